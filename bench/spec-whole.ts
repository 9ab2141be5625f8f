// The whole spec (content/) on the VM with --jobs 2, as a contributor runs it: wall time from
// `node generator/bin/spec.js` to its exit, against the floor that two jobs allow (the longest
// case, or half the sum of the case times, whichever is more), and the three slowest cases.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const JOBS = 2;

interface ReportCase {
  id: string;
  title: string;
  status: string;
  durationMs: number;
  blocks: unknown[];
}

/** Runs the whole spec once; prints its numbers; returns whether every case passed. */
export function benchWholeSpec(target = 'vm'): boolean {
  const out = mkdtempSync(join(tmpdir(), 'onix-bench-whole-'));
  try {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const started = performance.now();
    const r = spawnSync(process.execPath, ['generator/bin/spec.js', '--target', target, '--jobs', String(JOBS), '--out', out], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const wallS = (performance.now() - started) / 1000;
    const cases = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { cases: ReportCase[] }).cases;
    const sumS = cases.reduce((s, c) => s + c.durationMs, 0) / 1000;
    const slowest = [...cases].sort((a, b) => b.durationMs - a.durationMs);
    const floorS = Math.max(slowest[0]!.durationMs / 1000, sumS / JOBS);
    const passed = cases.filter((c) => c.status === 'passed').length;
    const blocks = cases.reduce((n, c) => n + c.blocks.length, 0);
    console.log(`whole spec on ${target}, --jobs ${JOBS}: ${cases.length} cases, ${blocks} blocks (${passed} cases passed, exit ${r.status})`);
    console.log(`  wall ${wallS.toFixed(1)} s (boot and set-up included); sum of case times ${sumS.toFixed(1)} s`);
    console.log(
      `  floor for ${JOBS} jobs max(longest, sum / ${JOBS}) ${floorS.toFixed(1)} s; wall / floor ${(wallS / floorS).toFixed(2)}x (target: wall < 120 s)`,
    );
    console.log(
      `  slowest: ${slowest
        .slice(0, 3)
        .map((c) => `${c.id} ${c.title} ${(c.durationMs / 1000).toFixed(1)} s`)
        .join('; ')}`,
    );
    return r.status === 0;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
