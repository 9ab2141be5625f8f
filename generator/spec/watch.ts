// `npm run spec -- --watch`: run the pages once, then keep a warm machine and, on each save,
// run again only the cases whose text changed (caseHash), printing the lines a normal run
// prints and then one summary line of the whole watched set. A change under onix/ (the onix
// sources and the image's inputs) means every case may behave differently: the machines are
// recycled (the next boot takes the new image) and every case runs again.
//
// Keys (a terminal, or lines on a pipe): `u` blesses the last failure through the same safe
// rewrite as `--update` (writeUpdates: a page that changed since the run is left alone), which
// the watch then sees as a save; `q` quits. Ctrl-C (or the signal) stops the machines and ends.

import { join, resolve } from 'node:path';
import { testImage } from '../../onix/image/provider.ts';
import { MachinePool } from '../../onix/machine/pool.ts';
import { createMachine } from '../../onix/machine/targets.ts';
import { REPO_ROOT } from '../../onix/repo-root.ts';
import { contentName } from '../content/find.ts';
import { loadPage } from '../content/load.ts';
import { summaryLine } from './counts.ts';
import { LiveSpec } from './live.ts';
import type { CaseOutcome } from './outcome.ts';
import { renderCase, renderSpecErrors } from './render/terminal.ts';
import { writeReport } from './report.ts';
import { DEFAULT_REPORT_DIR } from './report-types.ts';
import type { MachineFactory } from './pool.ts';
import { DEFAULT_FILES, loadNamedPages } from './run.ts';
import { type SpecCase, SpecError, SpecRunError } from './types.ts';
import { writeUpdates } from './update.ts';
import { FileWatcher } from './watch-files.ts';

export interface WatchSpecOptions {
  /** Pages: files, folders, globs as for runSpec (default: content/**\/*.md). Folders given (and the default) also watch for new pages. */
  files?: string[];
  /** Where page names are relative to (default: process.cwd()). */
  cwd?: string;
  /** Where `files` were typed (default: `cwd`). */
  argsCwd?: string;
  /** (default: "sandbox") */
  target?: string;
  /** (default: createMachine with the test image) */
  createMachine?: MachineFactory;
  onProgress?: (line: string) => void;
  /** Report directory, rewritten after every round (default: .spec under cwd). */
  outDir?: string;
  /** Folders whose changes re-run everything (default: the repository's onix/). */
  dependencyDirs?: string[];
  color?: boolean;
  write?: (text: string) => void;
  /** Keys typed by the user (default: none). */
  keys?: NodeJS.ReadableStream;
  env?: Record<string, string>;
  /** Stops the watch. */
  signal?: AbortSignal;
  /** Told after each round's summary line (tests). */
  onRound?: (summary: string) => void;
}

/** Watch until the signal or `q`; resolves with the exit code the watched set would give now. */
export async function watchSpec(options: WatchSpecOptions = {}): Promise<0 | 1 | 2> {
  const cwd = options.cwd ?? process.cwd();
  const argsCwd = options.argsCwd ?? cwd;
  const target = options.target ?? 'sandbox';
  const write = options.write ?? (() => {});
  const color = options.color ?? false;
  const outDir = options.outDir ? resolve(argsCwd, options.outDir) : resolve(cwd, DEFAULT_REPORT_DIR);
  const named = options.files?.length ? options.files : DEFAULT_FILES;
  const { pages } = await loadNamedPages(named, cwd, options.files?.length ? argsCwd : cwd);
  if (pages.length === 0) throw new SpecRunError(`no Markdown files match ${named.join(' ')}`);
  const pageDirs = options.files?.length
    ? options.files.map((f) => resolve(argsCwd, f)).filter((f) => !f.endsWith('.md') && !/[*?[{]/.test(f))
    : [resolve(cwd, 'content')];

  const onProgress = options.onProgress;
  const make = options.createMachine ?? ((name: string) => createMachine(name, { image: testImage, vm: { onProgress }, sandbox: { onProgress } }));
  const pool = new MachinePool({ target, create: make, warm: true });
  try {
    await pool.open();
  } catch (error) {
    throw new SpecRunError((error as Error).message.split('\n')[0]);
  }
  if (pool.note) write(`note: ${pool.note}`);
  const live = new LiveSpec({ pool, env: options.env });
  for (const p of pages) live.setPage(p);

  let lastFailure: { outcome: CaseOutcome; contentHash: string } | null = null;
  let rounds = 0;
  let quit!: () => void;
  const stopped = new Promise<void>((r) => {
    quit = r;
  });

  const finishRound = async () => {
    if (--rounds > 0) return;
    const report = live.report();
    await writeReport(report, outDir).catch((error: Error) => write(`note: report not written: ${error.message}`));
    const n = live.files.length;
    const summary = `${summaryLine(report.totals)} · watching ${n} page${n === 1 ? '' : 's'}${lastFailure ? ' · u: bless the last failure' : ''} · q: quit`;
    write(summary);
    options.onRound?.(summary);
  };

  /** Run these cases, printing each line as its case finishes, then the summary once nothing else runs. */
  const round = async (cases: SpecCase[]) => {
    rounds++;
    live.markStart();
    await Promise.all(
      cases.map(async (c) => {
        const contentHash = live.page(c.file)?.contentHash ?? '';
        const o = await live.run(c);
        if (!o) return; // replaced by a newer save of the same case
        write(renderCase(o, color));
        if (o.status === 'failed') lastFailure = { outcome: o, contentHash };
        else if (lastFailure?.outcome.spec.id === o.spec.id) lastFailure = null;
      }),
    );
    await finishRound();
  };

  const specErrorsOf = (file: string) => live.report().specErrors?.filter((e) => e.file === file) ?? [];
  const showSpecErrors = (file: string) => {
    const errors = specErrorsOf(file).map((e) => new SpecError(e.file, e.line, e.message));
    if (errors.length) write(renderSpecErrors(errors, color));
  };
  for (const p of pages) showSpecErrors(p.file);

  const nameOf = (abs: string) => contentName(abs, cwd);
  const watcher = await FileWatcher.start({
    files: pages.map((p) => resolve(cwd, p.file)),
    pageDirs,
    dependencyDirs: options.dependencyDirs ?? [join(REPO_ROOT, 'onix')],
    onPages: (changes) => {
      void (async () => {
        const toRun = [];
        for (const { file, deleted } of changes) {
          const name = nameOf(file);
          if (deleted) {
            live.removePage(name);
            write(`removed ${name}`);
            continue;
          }
          try {
            const page = await loadPage(file, { base: cwd });
            const change = live.setPage(page);
            showSpecErrors(name);
            write(`changed ${name}: ${change.changed.length} of ${change.cases.length} case${change.cases.length === 1 ? '' : 's'} to run`);
            toRun.push(...change.changed);
          } catch (error) {
            write((error as Error).message.split('\n')[0]!); // ContentError, ContentReadError: `file:line: message`
          }
        }
        await round(toRun);
      })();
    },
    onDependencies: (files) => {
      write(
        `changed ${nameOf(files[0]!)}${files.length > 1 ? ` and ${files.length - 1} more` : ''}: the machine is rebooted on the new sources and every case runs again`,
      );
      pool.recycle();
      live.forgetResults();
      void round(live.allCases());
    },
  });

  const onKey = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (text.includes('\u0003') || text.includes('q')) return quit();
    if (!text.includes('u')) return;
    const failure = lastFailure;
    if (!failure) return write('nothing to bless: no case failed since the last save');
    void writeUpdates([failure.outcome], new Map([[failure.outcome.spec.file, failure.contentHash]]), (f) => resolve(cwd, f)).then((u) => {
      for (const x of u.updated) write(`updated ${x.file} (${x.commands} command${x.commands === 1 ? '' : 's'})`);
      for (const f of u.conflicts) write(`not updated ${f}: it changed on disk since the case ran`);
      for (const r of u.refused) write(`not updated ${r.file}:${r.line}: ${r.message}`);
      if (u.updated.length) lastFailure = null;
    });
  };
  options.keys?.on('data', onKey);
  options.signal?.addEventListener('abort', () => quit(), { once: true });

  void round(live.allCases());
  await stopped;
  options.keys?.off('data', onKey);
  watcher.close();
  for (const problem of await pool.close()) write(`note: ${problem}`);
  const totals = live.report().totals;
  return totals.errors ? 2 : totals.failed ? 1 : 0;
}
