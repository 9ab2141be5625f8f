// npm run bench:spec — the runner's own cost per command on the `local` target.
//
// One page with one case of N trivial commands (`echo i`, expected output `i`) runs through
// runSpec (extract, execute on LocalMachine, validate, report), and the same N commands run as
// one plain `sh` script, in the same process, alternating, ROUNDS times each. Printed: medians,
// the per-command overhead ((runner - shell) / N, runner counted end to end including machine
// boot) and the ratio, and the same commands through Session.run alone, to tell the machine's
// round trip from the runner's own work. Target: overhead under 1 ms per command.
//
// Start-up: a one-case page (one command) through the real command line as `npm run spec` starts
// it (`node generator/bin/spec.js`, its cached bundle, without NODE_EXTRA_CA_CERTS), end to end
// and until its first command runs (the command writes the time), against `sh -c true` in the
// same run. Target: the first command within 300 ms of process start.
//
// Then the live loop on a warm machine (bench/spec-live.ts): save -> "running..." and save ->
// verdict in the dev server with --spec and in spec --watch, on the sandbox and the VM, against
// a cold run of the same page (BENCH_LIVE=0 leaves it out; BENCH_LIVE=sandbox only the sandbox).
//
// Last, the whole spec on the VM with --jobs 2 (bench/spec-whole.ts): wall time, the floor two
// jobs allow, and the three slowest cases (BENCH_WHOLE=0 leaves it out).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpec } from '../generator/spec/run.ts';
import { LocalMachine } from '../onix/machine/local.ts';
import { benchLive } from './spec-live.ts';
import { benchWholeSpec } from './spec-whole.ts';

const N = Number(process.env.BENCH_COMMANDS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_MS = 1;
const START_TARGET_MS = 300;
const ROOT = join(import.meta.dirname, '..');

const dir = mkdtempSync(join(tmpdir(), 'onix-bench-spec-'));
const commands = Array.from({ length: N }, (_, i) => `echo ${i}`);
const page = ['# Bench', '', '```console', ...commands.flatMap((c, i) => [`$ ${c}`, String(i)]), '```', ''].join('\n');
writeFileSync(join(dir, 'bench.md'), page);
writeFileSync(join(dir, 'bench.sh'), `${commands.join('\n')}\n`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall-clock now in ns since the epoch, comparable with `date +%s%N` in the command. */
const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
const START_ROUNDS = Number(process.env.BENCH_START_ROUNDS ?? 10);
const firstFile = join(dir, 'first');
writeFileSync(join(dir, 'one.md'), ['# One', '', '```console', `$ date +%s%N > ${firstFile}`, '```', ''].join('\n'));
const cliEnv = { ...process.env };
delete cliEnv.NODE_EXTRA_CA_CERTS; // as the npm script runs it
const cli = () =>
  spawnSync(process.execPath, [join(ROOT, 'generator/bin/spec.js'), '--target', 'local', 'one.md', '--out', join(dir, '.spec-one')], {
    cwd: dir,
    env: cliEnv,
    encoding: 'utf8',
  });
const warm = cli(); // builds the bundle when it is stale, and its code cache
if (warm.status !== 0) throw new Error(`the one-case page did not pass: ${warm.stdout}${warm.stderr}`);
/** CPU time of a one-case run and every process it started (bash's `times`: children's user and sys), in ms. */
function cpuOfRun(): number {
  const script = `"$0" "$@" >/dev/null; times`;
  const r = spawnSync(
    'bash',
    ['-c', script, process.execPath, join(ROOT, 'generator/bin/spec.js'), '--target', 'local', 'one.md', '--out', join(dir, '.spec-one')],
    { cwd: dir, env: cliEnv, encoding: 'utf8' },
  );
  const children = r.stdout.trim().split('\n').at(-1)!; // "0m0.150s 0m0.030s"
  return children.split(/\s+/).reduce((sum, t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return sum + (m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0);
  }, 0);
}
const startCpu: number[] = [];
const startFirst: number[] = [];
const startTotal: number[] = [];
const shTrue: number[] = [];
const nodeBare: number[] = [];
for (let r = 0; r < START_ROUNDS; r++) {
  const t0 = nowNs();
  const one = cli();
  const t1 = nowNs();
  if (one.status !== 0) throw new Error(`the one-case page did not pass: ${one.stdout}${one.stderr}`);
  startFirst.push(Number(BigInt(readFileSync(firstFile, 'utf8').trim()) - t0) / 1e6);
  startTotal.push(Number(t1 - t0) / 1e6);
  const s0 = performance.now();
  spawnSync('sh', ['-c', 'true']);
  shTrue.push(performance.now() - s0);
  startCpu.push(cpuOfRun());
  const n0 = performance.now();
  spawnSync(process.execPath, ['-e', ''], { env: cliEnv });
  nodeBare.push(performance.now() - n0);
}
const runner: number[] = [];
const execute: number[] = [];
const shell: number[] = [];
const raw: number[] = [];
const cpuRunner: number[] = [];
const cpuRaw: number[] = [];
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
try {
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    const result = await runSpec({ cwd: dir, files: ['bench.md'], outDir: join(dir, '.spec'), jobs: 1 });
    runner.push(performance.now() - t0);
    cpuRunner.push(cpuMs(process.cpuUsage(c0)));
    if (result.exitCode !== 0 || result.report.totals.passed !== 1) throw new Error(`the bench page did not pass (exit ${result.exitCode})`);
    execute.push(result.outcomes[0].durationMs);
    t0 = performance.now();
    const sh = spawnSync('/bin/sh', [join(dir, 'bench.sh')], { encoding: 'utf8' });
    shell.push(performance.now() - t0);
    if (sh.status !== 0 || sh.stdout.split('\n').length !== N + 1) throw new Error('the shell loop failed');
    // The machine's own round trip, without the runner: the same commands through Session.run.
    const m = new LocalMachine();
    await m.boot();
    const session = await m.session();
    t0 = performance.now();
    c0 = process.cpuUsage();
    for (const c of commands) await session.run(c);
    raw.push(performance.now() - t0);
    cpuRaw.push(cpuMs(process.cpuUsage(c0)));
    await m.shutdown();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const R = median(runner);
const E = median(execute);
const S = median(shell);
const M = median(raw);
const overhead = (R - S) / N;
const fmt = (n: number) => n.toFixed(1).padStart(8);
console.log(`${N} commands (echo i), ${ROUNDS} rounds, medians:`);
console.log(`  runner, end to end (boot, extract, run, validate, report) ${fmt(R)} ms`);
console.log(`  runner, case execution only                               ${fmt(E)} ms`);
console.log(`  the same commands through LocalMachine Session.run only    ${fmt(M)} ms`);
console.log(`  plain sh script                                           ${fmt(S)} ms`);
console.log(`per-command overhead: ${overhead.toFixed(3)} ms end to end, ${((E - S) / N).toFixed(3)} ms in the case (target < ${TARGET_MS} ms)`);
console.log(
  `of which the machine round trip: ${((M - S) / N).toFixed(3)} ms; the runner's own work: ${((E - M) / N).toFixed(3)} ms in the case, ${((R - M) / N).toFixed(3)} ms end to end`,
);
console.log(
  `CPU time of this process per command (load-independent): runner ${(median(cpuRunner) / N).toFixed(3)} ms end to end, Session.run alone ${(median(cpuRaw) / N).toFixed(3)} ms`,
);
console.log(`ratio runner / shell: ${(R / S).toFixed(1)}x end to end, ${(E / S).toFixed(1)}x in the case`);
const first = median(startFirst);
console.log(`start-up, one-case page on local (node generator/bin/spec.js, ${START_ROUNDS} runs, medians):`);
console.log(`  process start to first command ${fmt(first)} ms (target < ${START_TARGET_MS} ms)`);
console.log(`  end to end                     ${fmt(median(startTotal))} ms`);
console.log(`  sh -c true                     ${fmt(median(shTrue))} ms   ratio ${(median(startTotal) / median(shTrue)).toFixed(0)}x`);
console.log(`  node -e '' (any Node CLI's floor, for scale) ${fmt(median(nodeBare))} ms`);
console.log(`  CPU time of the whole one-case run, all its processes (load-independent) ${fmt(median(startCpu))} ms`);
const live = process.env.BENCH_LIVE ?? 'sandbox,vm';
const liveMet = live === '0' ? true : await benchLive(live.split(',').filter((t): t is 'sandbox' | 'vm' => t === 'sandbox' || t === 'vm'));
const wholePassed = process.env.BENCH_WHOLE === '0' ? true : benchWholeSpec();
process.exitCode = overhead < TARGET_MS && first < START_TARGET_MS && liveMet && wholePassed ? 0 : 1;
