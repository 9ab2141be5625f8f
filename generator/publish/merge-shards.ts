// Merging the spec reports of CI shards (`npm run spec -- --shard I/N --out DIR`, one
// directory per shard) into one whole-run report directory that the site build and
// publishing read: report.json and junit.xml from the spec runner's mergeReports and
// writeReport, plus each shard's console logs and artifacts, copied next to it so the
// report's relative paths still resolve.

import { copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadReport, mergeReports, writeReport } from '../spec/report.ts';
import { REPORT_FILE, type SpecReport } from '../spec/report-types.ts';

/** `DIR` or `DIR/report.json` -> DIR. */
export function reportDirOf(path: string): string {
  return basename(path) === REPORT_FILE ? dirname(path) : path;
}

/** Merge the shard reports in `shardDirs` into `outDir`; returns the merged report. Throws with one line on any problem. */
export async function mergeShardDirs(shardDirs: string[], outDir: string): Promise<SpecReport> {
  if (shardDirs.length === 0) throw new Error('no shard reports given');
  const reports: SpecReport[] = [];
  const dirs = shardDirs.map((d) => resolve(reportDirOf(d)));
  for (const dir of dirs) {
    const report = await loadReport(dir);
    if (!report) throw new Error(`no ${REPORT_FILE} in ${dir}`);
    reports.push(report);
  }
  const merged = mergeReports(reports);
  const out = resolve(outDir);
  for (const [i, report] of reports.entries()) {
    const from = dirs[i]!;
    if (from === out) continue;
    const files = report.cases.flatMap((c) => [...(c.consoleLog ? [c.consoleLog] : []), ...c.artifacts]);
    for (const rel of files) {
      const source = join(from, rel);
      if (
        !(await stat(source).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        continue;
      await mkdir(dirname(join(out, rel)), { recursive: true });
      await copyFile(source, join(out, rel));
    }
  }
  await writeReport(merged, out, ['junit']);
  return merged;
}
