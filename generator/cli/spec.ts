// `npm run spec -- [files or globs] [options]`: run the executable Markdown.
// Thin entry point: parses arguments, calls runSpec, and is the only place that exits.

import { slowProgress } from './slow-progress.ts';
import { parseArgs } from 'node:util';
import { terminalColor } from '../terminal-colors.ts';
import { defaultTarget } from '../../onix/machine/default-target.ts';
import type { ReportFormat } from '../spec/report.ts';
import { SpecRunError } from '../spec/types.ts';

const HELP = `Usage: npm run spec -- [FILE|DIR|GLOB...] [options]

Runs the console transcripts, procedures and contract tables in the Markdown
pages (default: content/**/*.md; a directory means every *.md under it; paths
are relative to where you are) against a machine, and writes a report.

Options:
  --target NAME      machine to run on: local, sandbox, vm, ssh://user@host[:port]
                     (default: $ONIX_TARGET, else vm where QEMU is installed, else sandbox);
                     ssh gets extra arguments from $ONIX_SSH_OPTIONS (e.g. "-i KEY"), and
                     "npm run vm -- shell --ssh-port PORT" serves the VM over SSH
  --filter TEXT      only cases whose id (file:line) or title contains TEXT
  --update           rewrite the expected output of failed commands in the pages,
                     keeping every [..], ..., (re) and {{capture}} line that still matches
  --watch            run once, then keep the machine booted and, on every save, run again
                     only the cases whose text changed (all of them when onix/ changes);
                     prints each case, then a summary of the whole watched set; keys:
                     u blesses the last failure (as --update does, that case only), q quits
  --jobs N           run up to N cases in parallel, one machine each (default: min(4, CPUs))
  --shard I/N        run only shard I of N (cases split stably by id; shards union to the whole)
  --fail-fast        start no new case after the first failure
  --report FORMAT    also write junit (junit.xml) or tap (report.tap); repeatable or comma-separated
                     (report.json is always written)
  --out DIR          report directory, checked before anything runs (default: .spec in the package root)
  --color / --no-color   force colour on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help         this help

Exit status:
  0  every block passed (or was skipped)
  1  some block ran and its output did not match
  2  the spec has errors (file:line), or something could not run
     (machine error, timeout, unknown target, bad arguments, nothing to run)

The last line of output is "N passed, N failed, N errors" (", N skipped" when some were).
The format is described in generator/spec/README.md.`;

function fail(message: string): never {
  process.stderr.write(`spec: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        target: { type: 'string' },
        filter: { type: 'string' },
        update: { type: 'boolean' },
        watch: { type: 'boolean' },
        jobs: { type: 'string' },
        shard: { type: 'string' },
        'fail-fast': { type: 'boolean' },
        report: { type: 'string', multiple: true },
        out: { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    const m = /^Unknown option '([^']*)'/.exec((error as Error).message);
    fail(`${m ? `unknown option ${m[1]}` : (error as Error).message} (see --help)`);
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let jobs: number | undefined;
  if (v.jobs !== undefined) {
    jobs = Number(v.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) fail(`--jobs wants a positive integer, got "${v.jobs}"`);
  }
  let shard: { index: number; count: number } | undefined;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) fail(`--shard wants I/N with 1 <= I <= N, got "${v.shard}"`);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  const reports = (v.report ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of reports) if (!['json', 'junit', 'tap'].includes(r)) fail(`--report wants json, junit or tap, got "${r}"`);
  if (v.watch) for (const o of ['update', 'shard', 'fail-fast', 'filter', 'report'] as const) if (v[o] !== undefined) fail(`--${o} does not go with --watch`);
  const color = v['no-color'] ? false : v.color ? true : terminalColor;
  // First Ctrl-C: stop the machines, write the report of what ran; second: leave at once.
  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('spec: interrupted, stopping the machines (Ctrl-C again to quit now)\n');
    abort.abort();
  });
  // Loaded only now, so that --help and argument errors answer at once.
  const { runSpec } = await import('../spec/run.ts');
  const progress = slowProgress((line) => process.stderr.write(`spec: ${line}\n`));
  const swept = await (await import('../../onix/leftovers.ts')).sweepLeftovers();
  if (swept) process.stderr.write(`spec: ${swept}\n`);
  const argsCwd = process.env.npm_lifecycle_event === 'spec' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  if (v.watch) {
    const { watchSpec } = await import('../spec/watch.ts');
    // Keys without Enter in a terminal; raw mode turns Ctrl-C into a key, which quits too.
    const tty = process.stdin.isTTY === true;
    if (tty) process.stdin.setRawMode(true);
    try {
      return await watchSpec({
        signal: abort.signal,
        argsCwd,
        files: args.positionals,
        target: v.target ?? defaultTarget(),
        outDir: v.out,
        color,
        write: (text) => process.stdout.write(`${text}\n`),
        onProgress: progress.line,
        keys: process.stdin,
      });
    } catch (error) {
      if (error instanceof SpecRunError) fail(error.message);
      throw error;
    } finally {
      if (tty) process.stdin.setRawMode(false);
      process.stdin.pause();
      progress.stop();
    }
  }
  try {
    const result = await runSpec({
      signal: abort.signal,
      // `npm run spec` runs in the package root; paths on its command line are where the user typed them.
      argsCwd,
      files: args.positionals,
      target: v.target ?? defaultTarget(),
      filter: v.filter,
      update: v.update,
      jobs,
      shard,
      failFast: v['fail-fast'],
      reports: reports as ReportFormat[],
      outDir: v.out,
      color,
      write: (text) => process.stdout.write(`${text}\n`),
      onProgress: progress.line,
    });
    return result.exitCode;
  } catch (error) {
    if (error instanceof SpecRunError) fail(error.message);
    throw error;
  } finally {
    progress.stop();
  }
}

// A closed pipe (`npm run spec | head`) is not an error of the run.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`spec: could not run: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(2);
  },
);
