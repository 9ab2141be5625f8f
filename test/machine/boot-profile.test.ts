import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBootProfile, parseBootProfile } from '../../onix/machine/boot-profile.ts';

const DMESG = `[    0.000000] Linux version 6.1.0-50-amd64
[    0.120000] initcall acpi_init+0x0/0x4a0 returned 0 after 104000 usecs
[    0.300000] initcall inet_init+0x0/0x2b0 returned 0 after 32000 usecs
[    1.500000] Run /init as init process
[    1.600000] onix-boot: initramfs
[    2.000000] onix-boot: modules
[    2.100000] onix-boot: root-mounted
[    2.200000] onix-boot: moss-hook-done
[    2.300000] onix-boot: sysinit
[    2.500000] onix-boot: seam
[    2.900000] onix-boot: seam-done
[    2.950000] onix-boot: nix-daemon
[    3.400000] onix-boot: agent-start
[    3.450000] onix-boot: agent-ready
[    9.000000] onix-boot: agent-start
`;

test('phases run from mark to mark on the kernel clock, placed on the host clock', () => {
  // QEMU started 0.5 s before the kernel's clock did: the agent answered at host 4.0 s,
  // and /proc/uptime read 3.6 s at host 4.1 s.
  const p = parseBootProfile(DMESG, { readyMs: 4000, uptimeReadMs: 4100, uptime: 3.6 });
  assert.equal(p.total, 4);
  const byName = new Map(p.phases.map((ph) => [ph.name, ph]));
  const first = p.phases[0];
  assert.equal(first.name, 'firmware, kernel load and decompression');
  assert.equal(first.start, 0);
  assert.ok(Math.abs(first.seconds - 0.5) < 1e-9);
  assert.ok(Math.abs(byName.get('kernel start-up (initcalls)')!.seconds - 1.5) < 1e-9);
  assert.ok(Math.abs(byName.get('init: the seam')!.seconds - 0.4) < 1e-9);
  assert.ok(Math.abs(byName.get('initramfs: /init')!.start - 2.1) < 1e-9);
  // The last phase ends when the host saw the agent answer.
  const last = p.phases.at(-1)!;
  assert.equal(last.name, 'the agent answers');
  assert.ok(Math.abs(last.seconds - 0.05) < 1e-9);
  // A respawned agent marking again later is not a phase of the boot.
  assert.equal(p.phases.filter((ph) => ph.name.startsWith('the agent starts')).length, 1);
  assert.deepEqual(
    p.initcalls.map((c) => c.name),
    ['acpi_init', 'inet_init'],
  );
  assert.ok(Math.abs(p.initcalls[0].seconds - 0.104) < 1e-9);
  const text = formatBootProfile(p);
  assert.match(text, /^ {3}0\.00 s {3}0\.50 s {2}firmware, kernel load and decompression$/m);
  assert.match(text, /slowest initcalls:\n +0\.104 s {2}acpi_init/);
});

test('a log without marks still splits firmware from the kernel', () => {
  const p = parseBootProfile('[    0.000000] Linux version 6.1.0\n', { readyMs: 3000, uptimeReadMs: 3000, uptime: 2 });
  assert.deepEqual(
    p.phases.map((ph) => [ph.name, ph.seconds]),
    [
      ['firmware, kernel load and decompression', 1],
      ['kernel start-up (initcalls)', 2],
    ],
  );
  assert.deepEqual(p.initcalls, []);
});
