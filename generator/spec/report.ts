// Reading, judging, merging and writing spec reports. The site build and the
// publish step use loadReport + reportFreshness; CI merges shard reports with
// mergeReports.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { countReport } from './counts.ts';
import { renderJUnit } from './render/junit.ts';
import { renderTap } from './render/tap.ts';
import { DEFAULT_REPORT_DIR, type BlockReport, REPORT_FILE, REPORT_VERSION, type SpecReport } from './report-types.ts';

export const JUNIT_FILE = 'junit.xml';
export const TAP_FILE = 'report.tap';
export type ReportFormat = 'json' | 'junit' | 'tap';

/** Read `<dir>/report.json` (dir default: `.spec` under the current directory). Null when there is none. */
export async function loadReport(dir: string = DEFAULT_REPORT_DIR): Promise<SpecReport | null> {
  const path = resolve(dir, REPORT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not a spec report (invalid JSON)`);
  }
  const problem = reportShapeProblem(data);
  if (problem) throw new Error(`${path}: ${problem}`);
  return data as SpecReport;
}

const STATUSES = new Set(['passed', 'failed', 'skipped', 'error']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `value` is not a SpecReport the site and the publish gate can trust, or null when it is one. */
export function reportShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.version !== REPORT_VERSION) return `it has version ${JSON.stringify(value.version)}, expected ${REPORT_VERSION}`;
  const machine = value.machine;
  if (!isObject(machine) || typeof machine.target !== 'string') return 'machine.target is missing';
  if (machine.fstx !== null && typeof machine.fstx !== 'string') return 'machine.fstx is not a string or null';
  if (machine.imageId !== null && typeof machine.imageId !== 'string') return 'machine.imageId is not a string or null';
  if (value.commit !== null && typeof value.commit !== 'string') return 'commit is not a string or null';
  if (value.verifier !== undefined && typeof value.verifier !== 'string') return 'verifier is not a string';
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

export interface Freshness {
  /** The report was made from exactly these pages: same files, same content hashes, whole run (no shard, no filter). */
  fresh: boolean;
  /** Nothing failed, nothing errored, no spec errors (skipped blocks are allowed; see `skipped`). */
  green: boolean;
  /** fresh && green: the pages may be published as verified. */
  ok: boolean;
  /** Pages whose content differs from what was run, or that the report does not cover. */
  stale: string[];
  /** Pages the report covers that were not asked about. */
  extra: string[];
  /** Ids of blocks that failed or errored. */
  failing: string[];
  /** Ids of blocks that were skipped (e.g. "target local cannot reboot"). */
  skipped: string[];
  /** What ran the spec is not what would run it now (the code, the image), one line each. */
  changed: string[];
  /** One line per reason the report is not ok. */
  reasons: string[];
}

/** What would run the spec now, to hold a report against (each is checked when given). */
export interface Verifier {
  /** verifierHash() of this checkout's code: a report without one, or with another, is stale. */
  verifier?: string;
  /** The image the target would boot now; a report from another image is stale. */
  imageId?: string | null;
}

/** Why a report was made by other code or on another image than `now`, one line each. */
function changedSince(report: SpecReport, now: Verifier): string[] {
  const out: string[] = [];
  const short = (h: string | null | undefined) => (h ? h.slice(0, 12) : 'none');
  if (now.verifier !== undefined && report.verifier !== now.verifier)
    out.push(
      report.verifier
        ? `the code that runs the spec changed since it ran (verifier ${short(report.verifier)} then, ${short(now.verifier)} now)`
        : 'the report does not say which code ran it (a live view, or a run from before reports did)',
    );
  if (now.imageId !== undefined && report.machine.imageId !== now.imageId)
    out.push(`the test image changed since the spec ran (image ${short(report.machine.imageId)} then, ${short(now.imageId)} now)`);
  return out;
}

/** Is `report` for exactly these pages (by content hash), made by the code and image `now` names, and green? */
export function reportFreshness(report: SpecReport, pages: ReadonlyArray<{ file: string; contentHash: string }>, now: Verifier = {}): Freshness {
  const ran = new Map(report.pages.map((p) => [p.file, p.contentHash]));
  const asked = new Set(pages.map((p) => p.file));
  const stale = pages.filter((p) => ran.get(p.file) !== p.contentHash).map((p) => p.file);
  const extra = report.pages.filter((p) => !asked.has(p.file)).map((p) => p.file);
  const blocks: BlockReport[] = report.cases.flatMap((c) => c.blocks);
  const failing = blocks.filter((b) => b.status === 'failed' || b.status === 'error').map((b) => b.id);
  const skipped = blocks.filter((b) => b.status === 'skipped').map((b) => b.id);
  const specErrors = report.specErrors ?? [];
  const changed = changedSince(report, now);
  const reasons: string[] = [...changed];
  for (const f of stale) reasons.push(ran.has(f) ? `${f} changed since the spec ran` : `${f} is not in the report`);
  for (const f of extra) reasons.push(`the report covers ${f}, which was not asked about`);
  if (report.shard) reasons.push(`the report covers only shard ${report.shard}`);
  if (report.filter) reasons.push(`the report covers only cases matching --filter ${report.filter}`);
  for (const id of failing) reasons.push(`${id} did not pass`);
  for (const e of specErrors) reasons.push(`${e.file}:${e.line}: ${e.message}`);
  const fresh = stale.length === 0 && extra.length === 0 && changed.length === 0 && !report.shard && !report.filter;
  const green = failing.length === 0 && specErrors.length === 0;
  return { fresh, green, ok: fresh && green, stale, extra, failing, skipped, changed, reasons };
}

/**
 * Merge the reports of CI shards (`--shard I/N`, every I from 1 to N, same pages) into one
 * whole-run report. Throws when shards are missing or repeated, or the reports disagree on a page.
 */
export function mergeReports(reports: SpecReport[]): SpecReport {
  if (reports.length === 0) throw new Error('mergeReports: no reports');
  const shards = reports.map((r) => r.shard);
  if (reports.length > 1 || shards[0]) {
    const parsed = shards.map((s) => (s ? /^(\d+)\/(\d+)$/.exec(s) : null));
    if (parsed.some((p) => !p)) throw new Error('mergeReports: every report must be a shard (I/N) of the same run');
    const n = Number(parsed[0]![2]);
    const seen = new Set(parsed.map((p) => Number(p![1])));
    if (parsed.some((p) => Number(p![2]) !== n) || seen.size !== reports.length || reports.length !== n) {
      throw new Error(`mergeReports: need shards 1..${n} exactly once each, got ${shards.join(', ')}`);
    }
  }
  const pages = new Map<string, string>();
  for (const r of reports) {
    for (const p of r.pages) {
      const had = pages.get(p.file);
      if (had !== undefined && had !== p.contentHash) throw new Error(`mergeReports: shards ran different contents of ${p.file}`);
      pages.set(p.file, p.contentHash);
    }
  }
  const ids = new Set<string>();
  const cases = reports.flatMap((r) => r.cases).filter((c) => !ids.has(c.id) && !!ids.add(c.id));
  cases.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  const errorKeys = new Set<string>();
  const specErrors = reports
    .flatMap((r) => r.specErrors ?? [])
    .filter((e) => {
      const key = `${e.file}:${e.line}:${e.message}`;
      return !errorKeys.has(key) && !!errorKeys.add(key);
    });
  const commits = new Set(reports.map((r) => r.commit));
  // One run's shards ran one code on one image; a mix proves neither.
  for (const key of ['verifier', 'imageId'] as const) {
    const values = new Set(reports.map((r) => (key === 'verifier' ? r.verifier : r.machine.imageId) ?? null));
    if (values.size > 1)
      throw new Error(`mergeReports: the shards ran with different ${key === 'verifier' ? 'code (verifier)' : 'images'}: ${[...values].join(', ')}`);
  }
  const verifier = reports[0].verifier;
  const merged: SpecReport = {
    version: REPORT_VERSION,
    startedAt: reports.map((r) => r.startedAt).sort()[0],
    finishedAt: reports
      .map((r) => r.finishedAt)
      .sort()
      .at(-1)!,
    machine: reports[0].machine,
    commit: commits.size === 1 ? reports[0].commit : null,
    ...(verifier ? { verifier } : {}),
    shard: null,
    pages: [...pages].map(([file, contentHash]) => ({ file, contentHash })).sort((a, b) => (a.file < b.file ? -1 : 1)),
    cases,
    totals: countReport({ cases, specErrors }),
    specErrors,
  };
  const filters = new Set(reports.map((r) => r.filter ?? null));
  if (filters.size !== 1) throw new Error('mergeReports: shards were run with different --filter');
  const filter = [...filters][0];
  if (filter) merged.filter = filter;
  return merged;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Write report.json (always) and junit.xml / report.tap when asked, into `dir`; returns the paths written. */
export async function writeReport(report: SpecReport, dir: string = DEFAULT_REPORT_DIR, formats: ReportFormat[] = []): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written = [join(dir, REPORT_FILE)];
  await writeAtomic(written[0], `${JSON.stringify(report, null, 2)}\n`);
  if (formats.includes('junit')) {
    written.push(join(dir, JUNIT_FILE));
    await writeAtomic(written.at(-1)!, renderJUnit(report));
  }
  if (formats.includes('tap')) {
    written.push(join(dir, TAP_FILE));
    await writeAtomic(written.at(-1)!, renderTap(report));
  }
  return written;
}
