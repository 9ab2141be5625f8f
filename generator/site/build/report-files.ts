// What a build takes from the spec report's folder besides the report: the artifacts the
// cases copied out of the machine (found, then written into dist/ where pages show them), and
// the console logs the run page shows.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SpecReport } from '../../spec/report-types.ts';
import type { PageFacts } from '../model/analyze.ts';
import { indexSpecResults } from '../model/spec-results.ts';
import { artifactTarget } from './page-store.ts';

/** The report's artifacts that exist: path in the report -> file. */
export async function reportArtifacts(report: SpecReport | null, reportDir: string): Promise<Map<string, string>> {
  const results = indexSpecResults(report, reportDir);
  const found = new Map<string, string>();
  for (const path of new Set(report?.cases.flatMap((c) => c.artifacts) ?? [])) {
    const file = results.artifact(path);
    if (
      file &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      found.set(path, file);
  }
  return found;
}

/** The console logs the report names, by their path in the report (missing files are left out). */
export async function readConsoleLogs(report: SpecReport | null, reportDir: string): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  for (const c of report?.cases ?? []) {
    if (!c.consoleLog || logs.has(c.consoleLog)) continue;
    try {
      logs.set(c.consoleLog, await readFile(join(reportDir, c.consoleLog), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return logs;
}

/**
 * The artifacts the pages show, written under `dir` (PNGs as `published` holds them: re-encoded
 * compressed, artifact-images.ts); their paths relative to `dir`.
 */
export async function writeArtifacts(dir: string, pages: PageFacts[], published: ReadonlyMap<string, Buffer>): Promise<Set<string>> {
  const artifacts = new Set<string>();
  for (const f of pages) {
    for (const path of f.artifacts) {
      const data = published.get(path);
      if (!data || artifacts.has(artifactTarget(path))) continue;
      artifacts.add(artifactTarget(path));
      await mkdir(dirname(join(dir, artifactTarget(path))), { recursive: true });
      await writeFile(join(dir, artifactTarget(path)), data);
    }
  }
  return artifacts;
}
