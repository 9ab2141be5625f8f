// The ssh driver against a machine that really reboots: the ONIX VM with its SSH
// server reachable on a forwarded host port, as an ONIX developer's own VM would
// be. The shared suite runs over SSH (a reboot included: the guest reboots itself,
// the driver waits for a new boot id); then a rollback over SSH boots the previous
// state's entry, and a poweroff is told apart from a reboot.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildImage } from '../../onix/image/build.ts';
import type { Machine } from '../../onix/machine/machine.ts';
import { QemuMachine } from '../../onix/machine/qemu.ts';
import { createMachine } from '../../onix/machine/targets.ts';
import { freePort } from './sshd.ts';
import { machineSuite } from './suite.ts';

let vm: QemuMachine;
let port: number;
const keys = mkdtempSync(join(tmpdir(), 'onix-ssh-vm-'));
const sshArgs = ['-i', join(keys, 'id'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
const overSsh = (): Machine => createMachine(`ssh://root@127.0.0.1:${port}`, { ssh: { sshArgs } });

before(async () => {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'id')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  port = await freePort();
  vm = new QemuMachine({ image: await buildImage(), sshPort: port });
  await vm.boot();
  const s = await vm.session();
  const key = readFileSync(join(keys, 'id.pub'), 'utf8').trim();
  const set = await s.run(`mkdir -p -m 700 /root/.ssh && echo '${key}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys`);
  assert.equal(set.status, 0, set.stderr);
  await s.close();
});

after(async () => {
  await vm?.shutdown();
  rmSync(keys, { recursive: true, force: true });
});

machineSuite('ssh to the ONIX VM', overSsh, { otherUser: 'alice', persistentDir: '/home/alice', hasNix: true, hasMoss: true, bootTimeoutMs: 300_000 });

test('a rollback and a reboot over SSH boot the previous state through its boot entry', { timeout: 600_000 }, async () => {
  const m = overSsh();
  try {
    let s = await m.session();
    const active = (await s.run('cat /usr/.stateID')).stdout.trim();
    const previous = String(Number(active) - 1);
    const r = await s.run(`moss state activate ${previous}`);
    assert.equal(r.status, 0, r.stderr);
    await m.reboot();
    s = await m.session();
    assert.equal((await s.run('cat /usr/.stateID')).stdout.trim(), previous);
    assert.match((await s.run('cat /proc/cmdline')).stdout, new RegExp(`moss\\.fstx=${previous}\\b`));
    assert.match(vm.consoleLog(), /reboot: Restarting system/);
  } finally {
    await m.shutdown();
  }
});

test('a poweroff inside the guest is not taken for a reboot', { timeout: 300_000 }, async () => {
  const s = await vm.session();
  void s.run('poweroff', { timeoutMs: 30_000 }).catch(() => {});
  // Until the guest is down, sessions may still work; then the machine must say it
  // powered off, and must not come back.
  const deadline = Date.now() + 180_000;
  let error: Error | null = null;
  while (!error && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      await (await vm.session()).run('true');
    } catch (e) {
      error = e as Error;
    }
  }
  assert.ok(error, 'the VM still answers three minutes after poweroff');
  assert.match(error.message, /powered off/);
  await assert.rejects(vm.session(), /powered off/);
});
