// npm run bench:spec — the runner's own cost per command on the `local` target.
//
// One page with one case of N trivial commands (`echo i`, expected output `i`) runs through
// runSpec (extract, execute on LocalMachine, validate, report), and the same N commands run as
// one plain `sh` script, in the same process, alternating, ROUNDS times each. Printed: medians,
// the per-command overhead ((runner - shell) / N, runner counted end to end including machine
// boot) and the ratio, and the same commands through Session.run alone, to tell the machine's
// round trip from the runner's own work. Target: overhead under 2 ms per command.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSpec } from '../generator/spec/run.ts';
import { LocalMachine } from '../onix/machine/local.ts';

const N = Number(process.env.BENCH_COMMANDS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_MS = 2;

const dir = mkdtempSync(join(tmpdir(), 'onix-bench-spec-'));
const commands = Array.from({ length: N }, (_, i) => `echo ${i}`);
const page = ['# Bench', '', '```console', ...commands.flatMap((c, i) => [`$ ${c}`, String(i)]), '```', ''].join('\n');
writeFileSync(join(dir, 'bench.md'), page);
writeFileSync(join(dir, 'bench.sh'), commands.join('\n') + '\n');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
console.log(`of which the machine round trip: ${((M - S) / N).toFixed(3)} ms; the runner's own work: ${((E - M) / N).toFixed(3)} ms in the case, ${((R - M) / N).toFixed(3)} ms end to end`);
console.log(`CPU time of this process per command (load-independent): runner ${(median(cpuRunner) / N).toFixed(3)} ms end to end, Session.run alone ${(median(cpuRaw) / N).toFixed(3)} ms`);
console.log(`ratio runner / shell: ${(R / S).toFixed(1)}x end to end, ${(E / S).toFixed(1)}x in the case`);
process.exitCode = overhead < TARGET_MS ? 0 : 1;
