// The report directory: checked before anything runs, and what a run keeps in it besides the
// report files (report.ts): each case's console log under console/, and the files cases
// copied out of the machine (block option `artifacts=`) under artifacts/.

import { statSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CaseOutcome } from './outcome.ts';
import { SpecRunError } from './types.ts';

/** The report directory must be one (or creatable): checked before anything runs. */
export async function prepareOutDir(outDir: string, asGiven: string): Promise<void> {
  try {
    if (statSync(outDir).isDirectory()) return;
    throw new SpecRunError(`--out ${asGiven}: exists and is not a directory`);
  } catch (error) {
    if (error instanceof SpecRunError) throw error;
  }
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new SpecRunError(`--out ${asGiven}: cannot create it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Save the cases' console logs and artifacts under `outDir`; the console logs' paths (relative to it) by case id. */
export async function saveCaseFiles(outDir: string, done: CaseOutcome[]): Promise<Map<string, string>> {
  const consoleLogs = new Map<string, string>();
  for (const o of done) {
    if (!o.consoleLog) continue;
    const rel = join('console', `${safeName(o.spec.id)}.log`);
    await mkdir(join(outDir, 'console'), { recursive: true });
    await writeFile(join(outDir, rel), o.consoleLog);
    consoleLogs.set(o.spec.id, rel);
  }
  // Files cases copied out of the machine (block option `artifacts=`), under artifacts/.
  for (const o of done) {
    const tempDirs = new Set<string>();
    for (const [name, host] of o.artifacts ?? []) {
      await mkdir(join(outDir, 'artifacts'), { recursive: true });
      await copyFile(host, join(outDir, 'artifacts', name));
      tempDirs.add(dirname(host));
    }
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true }); // after all: a case's files share one dir
  }
  return consoleLogs;
}
