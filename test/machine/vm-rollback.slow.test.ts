// A rollback followed by `reboot` boots the previous state: the VM driver reads
// the default BLS entry from the running guest before it restarts QEMU, so the
// kernel command line (moss.fstx=) and /usr/.stateID follow `moss state activate`.
import { testImage } from '../../onix/image/provider.ts';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { QemuMachine } from '../../onix/machine/qemu.ts';

const m = new QemuMachine({ image: testImage });
after(() => m.shutdown());

test('moss state activate N-1, reboot: the machine boots entry N-1', { timeout: 900_000 }, async () => {
  await m.boot();
  let s = await m.session();
  const active = (await s.run('cat /usr/.stateID')).stdout.trim();
  assert.match((await s.run('cat /proc/cmdline')).stdout, new RegExp(`moss\\.fstx=${active}\\b`));
  // Entries are named <os-id>-<kernel>-<fstx>.conf (blsforme).
  const states = [...(await s.run('ls /boot/loader/entries')).stdout.matchAll(/-(\d+)\.conf$/gm)].map((m) => Number(m[1]));
  const previous = Math.max(...states.filter((n) => n < Number(active)));
  assert.ok(Number.isFinite(previous), 'the image has an older state');
  const r = await s.run(`moss -y state activate ${previous}`);
  assert.equal(r.status, 0, r.stderr);
  await m.reboot();
  s = await m.session();
  assert.equal((await s.run('cat /usr/.stateID')).stdout.trim(), String(previous));
  assert.match((await s.run('cat /proc/cmdline')).stdout, new RegExp(`moss\\.fstx=${previous}\\b`));
  assert.equal((await m.identity()).fstx, String(previous));
});
