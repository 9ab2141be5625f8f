// runSpec: pages → extract → (filter, shard) → execute on a pool of machines →
// validate → render (terminal, JSON, JUnit, TAP) → optionally update the Markdown.
//
// Exit codes: 0 all green; 1 some block ran and did not match; 2 the spec has
// errors or something could not run (machine error, timeout, missing target).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { Machine, MachineIdentity } from '../../onix/machine/machine.ts';
import { testImage } from '../../onix/image/provider.ts';
import { createMachine } from '../../onix/machine/targets.ts';
import { ContentError, type ParsedPage, parsePage } from '../markdown/parse.ts';
import { executeCase, uniformOutcome } from './execute.ts';
import { extractPage } from './extract.ts';
import type { CaseOutcome } from './outcome.ts';
import { buildReport } from './render/json.ts';
import { summaryLine } from './counts.ts';
import { renderCase, renderSpecErrors } from './render/terminal.ts';
import { loadReport, type ReportFormat, writeReport } from './report.ts';
import { caseDurations, startOrder } from './schedule.ts';
import { DEFAULT_REPORT_DIR, type SpecReport } from './report-types.ts';
import { type SpecCase, SpecError } from './types.ts';
import { type UpdateResult, writeUpdates } from './update.ts';

/** Where contributors' pages live. */
export const DEFAULT_FILES = ['content/**/*.md'];
export const DEFAULT_TARGET = 'local';

export type MachineFactory = (target: string) => Machine | Promise<Machine>;

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

/** "Could not run" before anything ran: bad arguments, missing files, no such target. Exit 2. */
export class SpecRunError extends Error {
  override name = 'SpecRunError';
}

/** Stable shard of a case: sha256 of its id, mod count (1-based). */
export function shardOf(caseId: string, count: number): number {
  const h = createHash('sha256').update(caseId).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/**
 * The pages named by `files`: files, directories (every `*.md` under them) and globs, resolved
 * against `argsCwd`, each page once however it was named. A page's name (its `file`) is relative
 * to `cwd` when it is under it, else absolute. `named` are the pages named one by one.
 */
async function loadPages(files: string[], cwd: string, argsCwd: string): Promise<{ pages: ParsedPage[]; named: Set<string> }> {
  const found = new Set<string>();
  const named = new Set<string>();
  const nameOf = (abs: string) => {
    const rel = relative(cwd, abs);
    return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs).split('\\').join('/');
  };
  for (const f of files) {
    if (isDynamicPattern(f)) {
      for (const p of await glob(f, { cwd: argsCwd, onlyFiles: true, absolute: true })) found.add(nameOf(p));
      continue;
    }
    const abs = resolve(argsCwd, f);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new SpecRunError(`${f}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const under = await glob('**/*.md', { cwd: abs, onlyFiles: true, absolute: true, ignore: ['**/node_modules/**'] });
      if (under.length === 0) throw new SpecRunError(`${f}: a directory with no Markdown files`);
      for (const p of under) found.add(nameOf(p));
    } else {
      found.add(nameOf(abs));
      named.add(nameOf(abs));
    }
  }
  const list = [...found].sort();
  const pages = await Promise.all(
    list.map(async (file) => {
      try {
        const page = await parsePage(resolve(cwd, file));
        return { ...page, file };
      } catch (error) {
        if (error instanceof ContentError) throw new SpecRunError(`${file}${error.message.slice(error.file.length)}`);
        throw new SpecRunError(`${file}: cannot read: ${(error as Error).message.split('\n')[0]}`);
      }
    }),
  );
  return { pages, named };
}

/** The report directory must be one (or creatable): checked before anything runs. */
async function prepareOutDir(outDir: string, asGiven: string): Promise<void> {
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

/** One machine per worker: booted and snapshotted once, restored before each case. */
class Worker {
  private machine: Machine | null = null;
  private used = false;
  private booted = false;
  identity: MachineIdentity | null = null;
  constructor(
    private readonly make: MachineFactory,
    private readonly target: string,
    first: Machine | null = null,
  ) {
    this.machine = first;
  }

  async fresh(): Promise<Machine> {
    if (this.machine && this.used) {
      if (this.machine.capabilities.snapshot) await this.machine.restore('base');
      else {
        await this.machine.shutdown();
        this.machine = null;
        this.booted = false;
      }
    }
    if (!this.machine || !this.booted) {
      const m = this.machine ?? (await this.make(this.target));
      this.machine = m;
      this.booted = true;
      await m.boot();
      if (m.capabilities.snapshot) await m.snapshot('base');
      this.identity = await m.identity();
    }
    this.used = true;
    return this.machine;
  }

  async shutdown(): Promise<void> {
    await this.machine?.shutdown();
    this.machine = null;
  }
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
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
      ? await loadPages(options.files, cwd, argsCwd)
      : await loadPages(DEFAULT_FILES, cwd, cwd);
  const pages = loaded.pages;
  if (options.files?.length && pages.length === 0) throw new SpecRunError(`no Markdown files match ${options.files.join(' ')}`);

  // Extract.
  const extracted = pages.map(extractPage);
  const specErrors = extracted.flatMap((p) => p.errors);
  const broken = new Set(extracted.flatMap((p) => [...p.brokenCases]));
  let cases: SpecCase[] = extracted.flatMap((p) => p.cases);
  const filter = options.filter?.toLowerCase();
  if (filter) {
    const before = cases.length;
    cases = cases.filter((c) => `${c.id} ${c.title}`.toLowerCase().includes(filter));
    if (before > 0 && cases.length === 0) throw new SpecRunError(`--filter ${options.filter} matches no case`);
  }
  // Say so when a page named on its own holds nothing to run; a run of files with nothing at all
  // to run fails (pages handed over by the site build may well have no transcripts).
  for (const p of extracted)
    if (loaded.named.has(p.file) && p.cases.length === 0 && p.errors.length === 0) write(`note: ${p.file} has no console transcripts or contract table`);
  if (!options.pages && cases.length === 0 && specErrors.length === 0) {
    throw new SpecRunError(`nothing to run: no console transcripts or contract table in ${pages.length === 1 ? pages[0].file : `${pages.length} pages`}`);
  }
  if (options.shard) cases = cases.filter((c) => shardOf(c.id, options.shard!.count) === options.shard!.index);
  // Artifacts land in the report dir as artifacts/<file name>: a name may be declared once.
  const artifactNames = new Map<string, string>();
  for (const c of extracted.flatMap((p) => p.cases)) {
    for (const b of c.blocks) {
      if (b.kind !== 'transcript') continue;
      for (const path of b.options.artifacts ?? []) {
        const name = path.slice(path.lastIndexOf('/') + 1);
        const other = artifactNames.get(name);
        if (other) {
          specErrors.push(new SpecError(b.file, b.line, `artifact name ${name} is also declared at ${other} (artifacts are saved by file name)`));
          broken.add(c.id);
        } else artifactNames.set(name, b.id);
      }
    }
  }
  if (specErrors.length) write(renderSpecErrors(specErrors, color));

  // Execute and validate, in parallel, printing case results as they complete, in the order they started.
  const onProgress = options.onProgress;
  const make: MachineFactory = options.createMachine ?? ((name) => createMachine(name, { image: testImage, vm: { onProgress }, sandbox: { onProgress } }));
  let jobs = Math.max(1, Math.min(options.jobs ?? Math.min(4, availableParallelism()), cases.length || 1));
  const outcomes: (CaseOutcome | undefined)[] = new Array(cases.length);
  let next = 0;
  let printed = 0;
  let stop = false;
  // Printed in the order cases start (document order unless the schedule below says otherwise).
  const flush = () => {
    while (printed < cases.length && outcomes[order[printed]]) write(renderCase(outcomes[order[printed++]]!, color));
  };
  // The first machine is made up front, so that an unknown target is one clear error before anything runs.
  let first: Machine | null = null;
  if (cases.some((c) => !broken.has(c.id))) {
    try {
      first = await make(target);
    } catch (error) {
      throw new SpecRunError((error as Error).message.split('\n')[0]);
    }
    // No snapshots (ssh, local): one machine whose state carries over, so one case at a time.
    if (!first.capabilities.snapshot) {
      jobs = 1;
      write(`note: ${target} has no snapshots: cases run one after another on the machine as it is, each seeing what earlier ones changed\n`);
    }
  }
  // With several machines, longest first by the last report in the same place (schedule.ts);
  // one machine without snapshots runs them in document order, each seeing the ones before.
  const order = jobs > 1 ? startOrder(cases, caseDurations(await loadReport(outDir).catch(() => null))) : cases.map((_, i) => i);
  const workers = Array.from({ length: jobs }, (_, i) => new Worker(make, target, i === 0 ? first : null));
  let firstIdentity: MachineIdentity | null = null;
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    stop = true;
    // Shutting the machines down ends running commands with a MachineError.
    for (const w of workers) void w.shutdown().catch(() => {});
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const work = async (worker: Worker) => {
    while (next < cases.length) {
      const i = order[next++];
      const c = cases[i];
      if (broken.has(c.id)) outcomes[i] = uniformOutcome(c, 'error', 'not run: the case has a spec error');
      else if (stop) outcomes[i] = uniformOutcome(c, 'skipped', interrupted ? 'not run (interrupted)' : 'not run (--fail-fast)');
      else {
        try {
          const machine = await worker.fresh();
          firstIdentity ??= worker.identity;
          outcomes[i] = await executeCase(c, machine, target, options.env);
        } catch (error) {
          outcomes[i] = uniformOutcome(c, 'error', `could not run: ${(error as Error).message.split('\n')[0]}`);
        }
        if (options.failFast && (outcomes[i]!.status === 'failed' || outcomes[i]!.status === 'error')) stop = true;
      }
      flush();
    }
  };
  try {
    await Promise.all(workers.map(work));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(workers.map((w) => w.shutdown()));
  }
  const done = outcomes as CaseOutcome[];

  // Render the report (console logs of failed cases next to it).
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
  const machine: MachineIdentity = firstIdentity ?? { target, imageId: null, fstx: null, host: 'not started' };
  const report = buildReport({
    outcomes: done,
    pages,
    machine,
    startedAt,
    finishedAt: new Date(),
    commit: gitCommit(cwd),
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
