// moss killed (SIGKILL) at different moments of `onix rollback`: whatever the
// moment, onix reports one line naming the state the root is in, /usr is
// whole (one state's tree, stamped), and after the next boot's recovery step
// (ONIX's onix-fstx-recover; upstream moss repairs nothing itself) the next
// transaction through onix works and leaves every state with exactly one tree.
// Slow: many moss runs.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cleanup, lines, makeRoot, mossBinDir, onix, script } from './helpers.ts';

const MOSS = join(mossBinDir(), 'moss');
const RECOVER = join(import.meta.dirname, '../../onix/image/files/onix-fstx-recover');

function assertOneTreePerState(root: string, active: number, ids: number[]): void {
  assert.equal(readFileSync(join(root, 'usr/.stateID'), 'utf8').trim(), String(active));
  for (const id of ids.filter((i) => i !== active)) {
    assert.equal(readFileSync(join(root, '.moss/root', String(id), 'usr/.stateID'), 'utf8').trim(), String(id));
  }
  assert.ok(!existsSync(join(root, '.moss/root', String(active))), `active ${active} also archived`);
  const staging = join(root, '.moss/root/staging/usr');
  assert.ok(!existsSync(staging) || readdirSync(staging).length === 0);
}

describe('onix rollback with moss killed part-way', () => {
  after(cleanup);

  // How long one `moss state activate` takes here; kills land at fractions of it
  // (most of it is start-up, the swap comes near the end).
  const probe = makeRoot();
  const t0 = performance.now();
  const run = spawnSync(MOSS, ['-D', probe.root, '-y', 'state', 'activate', '2']);
  const full = (performance.now() - t0) / 1000;
  assert.equal(run.status, 0, String(run.stderr));

  for (const fraction of [0.3, 0.6, 0.85, 0.95, 1.05]) {
    const delay = (full * fraction).toFixed(3);
    it(`moss killed after ${fraction} of a full run`, (t) => {
      const fx = makeRoot();
      const killer = script('moss', `"${MOSS}" "$@" & pid=$!\nsleep ${delay}\nkill -9 $pid 2>/dev/null\nwait $pid`);
      const r = onix(['--root', fx.root, '--moss', killer, 'rollback']);
      const now = readFileSync(join(fx.root, 'usr/.stateID'), 'utf8').trim();
      t.diagnostic(`killed after ${delay} s; onix exit ${r.status}, /usr/.stateID ${now}: ${(r.stderr || r.stdout.split('\n')[2] || '').trim()}`);
      assert.ok(now === '3' || now === '2', `/usr/.stateID is ${now}`);
      assert.ok(existsSync(join(fx.root, 'usr/lib/kernel')), '/usr is not a whole tree');
      if (r.status === 0) {
        assert.equal(now, '2');
        assert.match(r.stdout, /^\/nix: {8}untouched$/m);
      } else {
        assert.equal(r.status, 1, r.stderr);
        assert.equal(lines(r.stderr).length, 1);
        assert.match(r.stderr, now === '3' ? /\(nothing changed, active fstx is still 3\)\n$/ : /\(active fstx is now 2\)\n$/);
      }
      // What the next boot does first: a tree left in staging goes back under its id.
      const recover = spawnSync('sh', [RECOVER, fx.root], { encoding: 'utf8' });
      assert.equal(recover.status, 0, recover.stdout + recover.stderr);
      const next = onix(['--root', fx.root, '--moss', MOSS, 'rollback', '--to', '1']);
      assert.equal(next.status, 0, next.stderr);
      assertOneTreePerState(fx.root, 1, [1, 2, 3]);
      const doctor = onix(['--root', fx.root, 'doctor']);
      for (const name of ['/usr', '/.moss', '/boot']) assert.match(doctor.stdout, new RegExp(`^ok {4}${name.replace(/[/.]/g, '\\$&')} `, 'm'), doctor.stdout);
    });
  }
});
