// ONIX's early-boot recovery (onix/image/files/onix-fstx-recover) after moss stopped at
// each point of an activation (os-tools moss/src/client/mod.rs:355-369: rename root/<new>
// to staging, exchange, archive): the tree left in staging goes back under its id, and
// moss can then activate either state, which upstream moss alone could not (its rename
// of root/<id> onto a non-empty staging fails).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { activateState, exchangeBinary, mossPaths } from '../../onix/moss/index.ts';
import { scratchRoot, withStates } from './fixture.ts';

const MOSS = join(import.meta.dirname, '../../onix/moss/main.ts');
const RECOVER = join(import.meta.dirname, '../../onix/image/files/onix-fstx-recover');

/** Runs `moss state activate 1` until it pauses at `point`, then kills it (a hard reset). */
async function stopAt(root: string, point: string): Promise<void> {
  const flag = join(root, `paused-${point.replace(/:/g, '-')}`);
  const child = spawn(process.execPath, ['--import', 'tsx', MOSS, '-D', root, '-y', 'state', 'activate', '1'], {
    env: { ...process.env, MOSS_PAUSE_AT: `${point}:${flag}`, MOSS_EXCHANGE: exchangeBinary() },
    stdio: 'ignore',
  });
  for (let i = 0; i < 600 && !existsSync(flag); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(existsSync(flag), `moss never reached ${point}`);
}

for (const [point, live] of [
  ['activate:before-exchange', '2'],
  ['activate:after-exchange', '1'],
] as const) {
  test(`stopped at ${point}: recovery re-archives the staged tree, then moss activates again`, async () => {
    const s = scratchRoot();
    try {
      withStates(s, 2);
      const p = mossPaths(s.root);
      await stopAt(s.root, point);
      assert.equal(readFileSync(join(s.root, 'usr/.stateID'), 'utf8'), live);
      const staged = readFileSync(join(p.staging, 'usr/.stateID'), 'utf8');
      assert.throws(() => activateState(s.root, live === '2' ? 1 : 2), 'upstream moss cannot activate past a full staging');
      const r = spawnSync('sh', [RECOVER, s.root], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^onix-fstx-recover: state ${staged} was left in /\\.moss/root/staging`));
      assert.deepEqual(readdirSync(p.staging), []);
      assert.equal(readFileSync(join(p.roots, staged, 'usr/.stateID'), 'utf8'), staged);
      // The boot entry's state (2, the default before the interrupted activation) comes back.
      if (live !== '2') activateState(s.root, 2);
      assert.equal(readFileSync(join(s.root, 'usr/.stateID'), 'utf8'), '2');
      assert.equal(readFileSync(join(p.roots, '1', 'usr/.stateID'), 'utf8'), '1');
      // Nothing left in staging: a second run changes nothing.
      assert.equal(spawnSync('sh', [RECOVER, s.root], { encoding: 'utf8' }).stdout, '');
    } finally {
      s.dispose();
    }
  });
}
