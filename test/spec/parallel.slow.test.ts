// Parallel and sharded runs give the serial result; shard reports merge into the whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeReports } from '../../generator/spec/report.ts';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { shardOf } from '../../generator/spec/select.ts';
import { FIX, run } from './helpers.ts';

const FILES = [`${FIX}/pass.md`, `${FIX}/fail.md`, `${FIX}/reboot.md`];

/** What must not depend on scheduling: every case and block with its status, diff and captures' names. */
function shape(report: SpecReport) {
  return report.cases.map((c) => [c.id, c.status, c.blocks.map((b) => [b.id, b.status, b.diff, Object.keys(b.captures).sort()])]);
}

describe('parallel and sharded runs', () => {
  it('give the same results as a serial run, and shards union to the whole', async () => {
    const serial = await run(FILES, { jobs: 1 });
    const parallel = await run(FILES, { jobs: 3 });
    assert.deepEqual(shape(parallel.report), shape(serial.report));
    assert.deepEqual(parallel.output.at(-1), serial.output.at(-1));
    assert.equal(serial.output.at(-1), '14 passed, 9 failed, 0 errors, 4 skipped');

    const shards: Awaited<ReturnType<typeof run>>[] = [];
    for (let i = 1; i <= 3; i++) shards.push(await run(FILES, { jobs: 2, shard: { index: i, count: 3 } }));
    const ids = shards.map((s) => s.report.cases.map((c) => c.id));
    assert.ok(
      ids.every((list) => list.length > 0),
      'each shard got some cases',
    );
    assert.deepEqual(ids.flat().sort(), serial.report.cases.map((c) => c.id).sort(), 'disjoint, and together everything');
    for (const s of shards) for (const c of s.report.cases) assert.equal(shardOf(c.id, 3), Number(s.report.shard!.split('/')[0]));

    const merged = mergeReports(shards.map((s) => s.report).reverse());
    assert.deepEqual(shape(merged), shape(serial.report));
    assert.deepEqual(merged.totals, serial.report.totals);
    assert.equal(merged.shard, null);
    assert.equal(merged.verifier, serial.report.verifier, 'the merge says which code ran the shards');
    // Shards from other code or another image are not one run.
    const [a, b, c] = shards.map((s) => s.report);
    assert.throws(() => mergeReports([a, { ...b, verifier: 'ef'.repeat(32) }, c]), /^Error: mergeReports: the shards ran with different code \(verifier\): /);
    assert.throws(
      () => mergeReports([a, b, { ...c, machine: { ...c.machine, imageId: '73c5363d0dd543ff50aa' } }]),
      /^Error: mergeReports: the shards ran with different images: /,
    );
    assert.throws(() => mergeReports([shards[0].report, shards[1].report]), /need shards 1\.\.3 exactly once each/);
    assert.throws(() => mergeReports([shards[0].report, shards[0].report, shards[2].report]), /exactly once/);
  });
});
