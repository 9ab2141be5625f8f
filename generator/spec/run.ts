// runSpec: pages (generator/content) → extract → select (select.ts: filter, shard) → execute
// and validate on a pool of machines (pool.ts) → render (terminal, JSON, JUnit, TAP; the
// report dir in report-dir.ts) → optionally update the Markdown.
//
// Exit codes: 0 all green; 1 some block ran and did not match; 2 the spec has
// errors or something could not run (machine error, timeout, missing target).

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { testImage } from '../../onix/image/provider.ts';
import { verifierHash } from './verifier.ts';
import type { MachineIdentity } from '../../onix/machine/machine.ts';
import { createMachine } from '../../onix/machine/targets.ts';
import { ContentNotFound, contentName, findNamedPages } from '../content/find.ts';
import { ContentReadError, loadPages } from '../content/load.ts';
import { ContentError, type ParsedPage } from '../content/parse.ts';
import { summaryLine } from './counts.ts';
import { extractPage } from './extract.ts';
import type { CaseOutcome } from './outcome.ts';
import { type MachineFactory, runCases } from './pool.ts';
import { buildReport } from './render/json.ts';
import { renderSpecErrors } from './render/terminal.ts';
import { loadReport, type ReportFormat, writeReport } from './report.ts';
import { prepareOutDir, saveCaseFiles } from './report-dir.ts';
import { DEFAULT_REPORT_DIR, type SpecReport } from './report-types.ts';
import { loadMachineDurations, machineDurationsFile, saveMachineDurations, withFallback } from './machine-durations.ts';
import { caseDurations, NO_DURATIONS, startOrder } from './schedule.ts';
import { selectCases } from './select.ts';
import { type SpecError, SpecRunError } from './types.ts';
import { type UpdateResult, writeUpdates } from './update.ts';

/** Where contributors' pages live. */
export const DEFAULT_FILES = ['content/**/*.md'];
export const DEFAULT_TARGET = 'local';

export interface RunSpecOptions {
  /** Markdown files, directories (every `*.md` under them) or globs, relative to `argsCwd` (default: `content/**\/*.md` under `cwd`). */
  files?: string[];
  /** Pages already parsed (e.g. by the site build); when given, `files` is not read. */
  pages?: ParsedPage[];
  /** Directory the report dir and git are resolved against, and page names are relative to (default: process.cwd()). */
  cwd?: string;
  /** Directory `files` and `outDir` are resolved against: where the user typed them (default: `cwd`). */
  argsCwd?: string;
  /** Machine target name (default: "local"). */
  target?: string;
  /** Makes machines (default: `createMachine` from onix/machine/targets.ts). */
  createMachine?: MachineFactory;
  /** This machine's durations of the cases, read for the start order where `outDir` has no report and written after the run; null for none (default: the target's file in the cache home, machine-durations.ts; none for `local` or with `createMachine`). */
  durationsFile?: string | null;
  /** Progress of the default machines' set-up: image build, disk, boot (default: silent). */
  onProgress?: (line: string) => void;
  /** Only cases whose id or title contains this text, case-insensitively (default: all). */
  filter?: string;
  /** Rewrite expected output of failed commands in place (default: false). */
  update?: boolean;
  /** Cases run in parallel, one machine each (default: min(4, CPUs)). */
  jobs?: number;
  /** Run only shard `index` of `count` (1-based), split stably by a hash of the case id (default: all). */
  shard?: { index: number; count: number };
  /** Stop starting new cases after the first failure; the rest are reported skipped (default: false). */
  failFast?: boolean;
  /** Extra report formats; report.json is always written (default: []). */
  reports?: ReportFormat[];
  /** Report directory (default: `.spec` under cwd). */
  outDir?: string;
  /** Colour in terminal output (default: false). */
  color?: boolean;
  /** Where terminal lines go (default: nowhere). */
  write?: (text: string) => void;
  /** Extra environment for every session, on top of the machine's pinned one (default: none). */
  env?: Record<string, string>;
  /** Abort (Ctrl-C): running cases end as errors, no new case starts, the report is still written (default: none). */
  signal?: AbortSignal;
}

export interface RunSpecResult {
  exitCode: 0 | 1 | 2;
  report: SpecReport;
  outcomes: CaseOutcome[];
  specErrors: SpecError[];
  updated: UpdateResult | null;
  /** Report files written. */
  written: string[];
}

/**
 * The pages named by `files` (files, directories and globs resolved against `argsCwd`), named
 * relative to `cwd`. `named` are the pages named one by one.
 */
export async function loadNamedPages(files: string[], cwd: string, argsCwd: string): Promise<{ pages: ParsedPage[]; named: Set<string> }> {
  try {
    const found = await findNamedPages(files, argsCwd);
    const pages = await loadPages(found.files, { base: cwd });
    return { pages, named: new Set([...found.named].map((abs) => contentName(abs, cwd))) };
  } catch (error) {
    if (error instanceof ContentNotFound || error instanceof ContentReadError || error instanceof ContentError) throw new SpecRunError(error.message);
    throw error;
  }
}

function gitCommit(cwd: string): string | null {
  try {
    return (
      execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() || null
    );
  } catch {
    return null;
  }
}

/** Run the executable Markdown. Never throws for spec errors or failures: see `exitCode`. */
export async function runSpec(options: RunSpecOptions = {}): Promise<RunSpecResult> {
  const cwd = options.cwd ?? process.cwd();
  const target = options.target ?? DEFAULT_TARGET;
  const write = options.write ?? (() => {});
  const color = options.color ?? false;
  const argsCwd = options.argsCwd ?? cwd;
  const outDir = options.outDir ? resolve(argsCwd, options.outDir) : resolve(cwd, DEFAULT_REPORT_DIR);
  const startedAt = new Date();
  if (options.shard && !(options.shard.count >= 1 && options.shard.index >= 1 && options.shard.index <= options.shard.count)) {
    throw new SpecRunError(`bad shard ${options.shard.index}/${options.shard.count} (want I/N with 1 <= I <= N)`);
  }
  await prepareOutDir(outDir, options.outDir ?? DEFAULT_REPORT_DIR);
  const loaded = options.pages
    ? { pages: options.pages, named: new Set<string>() }
    : options.files?.length
      ? await loadNamedPages(options.files, cwd, argsCwd)
      : await loadNamedPages(DEFAULT_FILES, cwd, cwd);
  const pages = loaded.pages;
  if (options.files?.length && pages.length === 0) throw new SpecRunError(`no Markdown files match ${options.files.join(' ')}`);

  // Extract and select.
  const { cases, specErrors, broken } = selectCases(pages.map(extractPage), {
    filter: options.filter,
    shard: options.shard,
    named: loaded.named,
    mustRun: !options.pages,
    write,
  });
  if (specErrors.length) write(renderSpecErrors(specErrors, color));

  // Execute and validate, in parallel, printing case results in document order as they complete.
  const onProgress = options.onProgress;
  const durationsFile =
    options.durationsFile !== undefined
      ? options.durationsFile
      : // The host itself starts cases at once: no order to keep.
        options.createMachine || target === 'local'
        ? null
        : machineDurationsFile(target);
  const make: MachineFactory = options.createMachine ?? ((name) => createMachine(name, { image: testImage, vm: { onProgress }, sandbox: { onProgress } }));
  const {
    outcomes: done,
    identity: firstIdentity,
    interrupted,
  } = await runCases(cases, broken, {
    target,
    make,
    jobs: options.jobs,
    failFast: options.failFast,
    env: options.env,
    signal: options.signal,
    // Longest first by the last report in the same place, else by this machine's last runs, so no long case starts last.
    order: startOrder(
      cases,
      withFallback(caseDurations(await loadReport(outDir).catch(() => null)), durationsFile ? await loadMachineDurations(durationsFile) : NO_DURATIONS),
    ),
    color,
    write,
  });

  // Render the report (console logs and artifacts next to it).
  const consoleLogs = await saveCaseFiles(outDir, done);
  const machine: MachineIdentity = firstIdentity ?? { target, imageId: null, fstx: null, host: 'not started' };
  const report = buildReport({
    outcomes: done,
    pages,
    machine,
    startedAt,
    finishedAt: new Date(),
    commit: gitCommit(cwd),
    verifier: verifierHash(),
    shard: options.shard ? `${options.shard.index}/${options.shard.count}` : null,
    specErrors,
    consoleLogs,
    brokenCases: broken,
  });
  if (options.filter) report.filter = options.filter;
  const written = await writeReport(
    report,
    outDir,
    (options.reports ?? []).filter((f) => f !== 'json'),
  );
  if (durationsFile) await saveMachineDurations(durationsFile, caseDurations(report)).catch(() => undefined); // a hint: an unwritable cache home costs only the order

  // Update.
  let updated: UpdateResult | null = null;
  if (options.update) {
    updated = await writeUpdates(done, new Map(pages.map((p) => [p.file, p.contentHash])), (f) => resolve(cwd, f));
    for (const u of updated.updated) write(`updated ${u.file} (${u.commands} command${u.commands === 1 ? '' : 's'})`);
    for (const f of updated.conflicts) write(`not updated ${f}: it changed on disk during the run`);
    for (const r of updated.refused) write(`not updated ${r.file}:${r.line}: ${r.message}`);
  }

  // Summary: the report's own count (counts.ts), so terminal, JSON, JUnit and TAP agree.
  const counts = report.totals;
  // With --update, exit 0 when every failure was a transcript mismatch that got rewritten.
  const rewritable = (b: CaseOutcome['blocks'][number]) => b.block.kind === 'transcript' && b.commands.some((c) => c.status === 'failed') && !b.message;
  const blessed = updated
    ? done.every((o) => o.blocks.every((b) => b.status !== 'failed' || rewritable(b))) && updated.conflicts.length === 0 && updated.refused.length === 0
    : false;
  const exitCode: 0 | 1 | 2 = specErrors.length || counts.errors || interrupted ? 2 : counts.failed && !blessed ? 1 : 0;
  if (interrupted) write('interrupted: the report covers what ran');
  if (specErrors.length) write(`${specErrors.length} spec error${specErrors.length === 1 ? '' : 's'} (see above)`);
  write(summaryLine(counts));
  return { exitCode, report, outcomes: done, specErrors, updated, written };
}
