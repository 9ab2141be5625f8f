// Reading the spec report that gates publishing, and checking its shape.
//
// H-spec's loadReport() (generator/spec/) is meant to be the one reader; until it is
// exported, this module reads `.spec/report.json` itself and checks the fields the
// gate relies on against generator/spec/report-types.ts. A report we cannot read is
// a refusal, never a crash.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REPORT_DIR, REPORT_FILE, REPORT_VERSION, type SpecReport } from '../spec/report-types.ts';
import { PublishRefusal } from './refusal.ts';

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
 * Read and check the report at `path` (shown as `shownPath` in messages).
 * Throws PublishRefusal when it is missing, not JSON, or not a report.
 */
export async function readReportFile(path: string, shownPath = path): Promise<SpecReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PublishRefusal(`no spec report at ${shownPath}: run \`npm run spec -- --target vm\` first`);
    }
    throw new PublishRefusal(`cannot read the spec report ${shownPath}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PublishRefusal(`the spec report ${shownPath} is not valid JSON`);
  }
  const problem = reportShapeProblem(value);
  if (problem) throw new PublishRefusal(`the spec report ${shownPath} is not a spec report: ${problem}`);
  return value as SpecReport;
}
