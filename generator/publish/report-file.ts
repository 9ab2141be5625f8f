// Reading the spec report that gates publishing, and checking its shape.
//
// The spec runner's loadReport() (generator/spec/report.ts) is the one reader and its
// reportShapeProblem() the one check; this module turns what they say into refusals.
// A report we cannot read is a refusal, never a crash.

import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadReport } from '../spec/report.ts';
import { DEFAULT_REPORT_DIR, REPORT_FILE, type SpecReport } from '../spec/report-types.ts';
import { PublishRefusal, oneLine } from './refusal.ts';

/** Where the spec runner writes its report, relative to the project root. */
export const DEFAULT_REPORT_PATH = join(DEFAULT_REPORT_DIR, REPORT_FILE);

/**
 * Read the report at `path` (a `report.json`, or the directory holding one) with the spec
 * runner's loadReport(), then check the fields the gate relies on. `shownPath` names it in
 * messages. Throws PublishRefusal when it is missing, not JSON, or not a report.
 */
export async function readReportFile(path: string, shownPath = path): Promise<SpecReport> {
  let dir = path;
  if (basename(path) === REPORT_FILE) dir = dirname(path);
  else if (
    !(await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new PublishRefusal(`the spec report must be a file named ${REPORT_FILE} (or its directory), got ${shownPath}`);
  }
  let report: SpecReport | null;
  try {
    report = await loadReport(dir);
  } catch (error) {
    const detail = oneLine(error).replace(`${resolve(dir, REPORT_FILE)}: `, '');
    throw new PublishRefusal(`the spec report ${shownPath} is unusable: ${detail}`);
  }
  if (report === null) throw new PublishRefusal(`no spec report at ${shownPath}: run \`npm run spec -- --target vm\` first`);
  return report;
}
