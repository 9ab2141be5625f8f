// Reading the spec report that gates publishing, and checking its shape.
//
// The spec runner's loadReport() (generator/spec/report.ts) is the one reader; on top
// of its check (version, cases, pages) this module checks the fields the gate relies
// on (machine, statuses, shard). A report we cannot read is a refusal, never a crash.

import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadReport } from '../spec/report.ts';
import { DEFAULT_REPORT_DIR, REPORT_FILE, REPORT_VERSION, type SpecReport } from '../spec/report-types.ts';
import { PublishRefusal, oneLine } from './refusal.ts';

/** Where the spec runner writes its report, relative to the project root. */
export const DEFAULT_REPORT_PATH = join(DEFAULT_REPORT_DIR, REPORT_FILE);

const STATUSES = new Set(['passed', 'failed', 'skipped', 'error']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `value` is not a SpecReport the gate can trust, or null when it is one. */
export function reportShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.version !== REPORT_VERSION) return `it has version ${JSON.stringify(value.version)}, expected ${REPORT_VERSION}`;
  const machine = value.machine;
  if (!isObject(machine) || typeof machine.target !== 'string') return 'machine.target is missing';
  if (machine.fstx !== null && typeof machine.fstx !== 'string') return 'machine.fstx is not a string or null';
  if (machine.imageId !== null && typeof machine.imageId !== 'string') return 'machine.imageId is not a string or null';
  if (value.commit !== null && typeof value.commit !== 'string') return 'commit is not a string or null';
  if (value.shard !== null && typeof value.shard !== 'string') return 'shard is not a string or null';
  if (!Array.isArray(value.pages)) return 'pages is missing';
  for (const [i, page] of value.pages.entries()) {
    if (!isObject(page) || typeof page.file !== 'string' || typeof page.contentHash !== 'string') {
      return `pages[${i}] has no file or contentHash`;
    }
  }
  if (!Array.isArray(value.cases)) return 'cases is missing';
  for (const [i, c] of value.cases.entries()) {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.status !== 'string' || !STATUSES.has(c.status)) {
      return `cases[${i}] has no id or a bad status`;
    }
    if (!Array.isArray(c.blocks)) return `cases[${i}] has no blocks`;
    for (const [j, b] of c.blocks.entries()) {
      if (!isObject(b) || typeof b.id !== 'string' || typeof b.status !== 'string' || !STATUSES.has(b.status)) {
        return `cases[${i}].blocks[${j}] has no id or a bad status`;
      }
    }
  }
  const totals = value.totals;
  if (!isObject(totals) || !['passed', 'failed', 'skipped', 'errors'].every((k) => typeof totals[k] === 'number')) {
    return 'totals is missing or incomplete';
  }
  return null;
}

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
  const problem = reportShapeProblem(report);
  if (problem) throw new PublishRefusal(`the spec report ${shownPath} is unusable: ${problem}`);
  return report;
}
