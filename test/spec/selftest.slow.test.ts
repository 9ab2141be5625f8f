// The runner runs its own executable Markdown (test/spec/selftest.md) on the local target.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT, run } from './helpers.ts';

describe('selftest.md', () => {
  it('passes: the runner checks its own terminal output and exit codes', async () => {
    const r = await run(['test/spec/selftest.md'], { env: { SPEC_ROOT: ROOT } });
    assert.deepEqual(
      r.outcomes.filter((o) => o.status !== 'passed').map((o) => `${o.spec.id}\n${o.blocks.map((b) => b.diff || b.message).join('\n')}`),
      [],
    );
    assert.equal(r.output.at(-1), '4 passed, 0 failed, 0 errors');
  });
});
