// The runner on a target that can reboot: `reboot` in a transcript really reboots the sandbox.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMachine } from '../../onix/machine/targets.ts';
import { buildDevImage } from '../machine/dev-image.ts';
import { FIX, run } from './helpers.ts';

// The runner is under test, not the image: the small development image boots fastest.
const onDevImage = async (target: string) => createMachine(target, { image: buildDevImage });

describe('runSpec on the sandbox target', () => {
  it('intercepts `reboot` and `crash`: the machine restarts (/run is empty), a new session continues the case', async () => {
    const r = await run([`${FIX}/reboot.md`, `${FIX}/ok.md`], { target: 'sandbox', jobs: 1, createMachine: onDevImage });
    const [ok, rebooting, kernel, crashing] = r.outcomes; // files run in sorted order: ok.md, reboot.md
    assert.deepEqual(
      rebooting.blocks.map((b) => b.diff || b.message || b.status),
      ['passed'],
    );
    assert.equal(rebooting.reboots, 1);
    assert.equal(rebooting.machine?.target, 'sandbox');
    assert.deepEqual([kernel.status, kernel.message], ['skipped', 'target sandbox cannot boot its own kernel']);
    assert.equal(ok.status, 'passed');
    assert.deepEqual(
      crashing.blocks.map((b) => b.diff || b.message || b.status),
      ['passed'],
    );
    assert.equal(crashing.reboots, 1, 'a crash counts as a restart');
    assert.equal(r.report.cases[1].reboots, 1);
    assert.equal(r.report.cases[1].blocks[0].commands[1].command, 'reboot');
    assert.equal(r.output.at(-1), '3 passed, 0 failed, 0 errors, 1 skipped');
    assert.equal(r.exitCode, 0);
  });
});
