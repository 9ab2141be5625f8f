// Runs the test suite with Node's test runner (Node 20 does not expand globs itself).
// `--fast` leaves out `*.slow.test.ts` (the ones that boot machines or browsers).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const fast = process.argv.includes('--fast');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

// Order, with two files running at a time: the whole spec on the VM (test/content, the longest
// file) first; half the quick files next, on the other core while the test image is built from
// scratch, which the spec and most slow files wait for; then the other slow files (machines,
// browsers); the other half of the quick files last, to fill both cores at the end, where a long
// file started last would leave one core working alone.
const slow = (f) => f.endsWith('.slow.test.ts');
const all = find('test').sort((a, b) => a.localeCompare(b));
const quick = all.filter((f) => !slow(f));
const spec = all.filter((f) => slow(f) && f.startsWith('test/content/'));
const others = all.filter((f) => slow(f) && !spec.includes(f));
const half = Math.ceil(quick.length / 2);
let files = fast ? quick : [...spec, ...quick.slice(0, half), ...others, ...quick.slice(half)];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The tests' scratch directories (os.tmpdir()) go under one directory of this run's, removed at
// the end: a test that keeps its scratch to show a failure, or dies before its cleanup, leaves
// nothing behind in /tmp across runs.
const scratch = mkdtempSync(join(tmpdir(), 'onix-tests-'));
chmodSync(scratch, 0o1777); // as /tmp is: tests run commands as other users (alice) below it
const clock = join(scratch, 'file-clock.jsonl');
const began = Date.now();
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    new URL('./exit-when-done.mjs', import.meta.url).href,
    '--import',
    new URL('./file-clock.mjs', import.meta.url).href,
    '--test',
    '--test-concurrency=2',
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch, ONIX_TEST_CLOCK: clock } },
);
if (existsSync(clock)) printSlowest(clock, began);
rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
process.exit(result.status ?? 1);

// Where the wall time went: the files that ran longest, when each ran (seconds since the run
// began), and how long one file or none was running, so a contributor sees what to split.
function printSlowest(path, began) {
  const cpus = availableParallelism();
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .map((r) => ({ name: relative(process.cwd(), r.file), from: (r.started - began) / 1000, to: (r.ended - began) / 1000, cpu: r.cpu ?? null }))
    .sort((a, b) => b.to - b.from - (a.to - a.from));
  const wall = (Date.now() - began) / 1000;
  // Stretches of at least 5 s with one file or none running, and which file that was: where a
  // reordering or a split would put the second core to work.
  const stretches = [];
  let alone = 0;
  for (let t = 0; t < wall; t += 1) {
    const running = rows.filter((r) => r.from <= t && t < r.to);
    if (running.length >= 2) continue;
    alone += 1;
    const who = running[0]?.name ?? '(no file: start-up or the end)';
    const last = stretches.at(-1);
    if (last && last.who === who && last.to === t) last.to = t + 1;
    else stretches.push({ who, from: t, to: t + 1 });
  }
  console.log(`\n# ${rows.length} files in ${wall.toFixed(0)} s; fewer than two ran for ${alone} s of it. Longest:`);
  for (const r of rows.slice(0, 12)) {
    console.log(`# ${(r.to - r.from).toFixed(1).padStart(7)} s  ${r.name} (${r.from.toFixed(0)}-${r.to.toFixed(0)} s)`);
  }
  // The run is CPU-bound on two cores, so what a file costs the others is its CPU, not its wall.
  const measured = rows.filter((r) => r.cpu !== null);
  if (measured.length > 0) {
    const total = measured.reduce((sum, r) => sum + r.cpu, 0);
    console.log(
      `# CPU: ${total.toFixed(0)} s in all (${cpus} cores x ${wall.toFixed(0)} s = ${(cpus * wall).toFixed(0)} s). Most CPU (the file and the processes it waited for):`,
    );
    for (const r of [...measured].sort((a, b) => b.cpu - a.cpu).slice(0, 12)) {
      console.log(`# ${r.cpu.toFixed(1).padStart(7)} s  ${r.name} (${((100 * r.cpu) / total).toFixed(1)}%)`);
    }
  }
  const long = stretches.filter((x) => x.to - x.from >= 5);
  if (long.length > 0) console.log('# Alone (5 s or more):');
  for (const x of long) console.log(`# ${String(x.to - x.from).padStart(7)} s  ${x.who} (${x.from}-${x.to} s)`);
}
