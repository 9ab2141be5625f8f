// Boots the real ONIX image under QEMU (the VM driver) and checks the machine
// plane for real: the active state, moss's view of it, /run/opengl-driver, and a
// rollback by `moss state activate` + reboot, then one by the boot entry alone
// (the initramfs hook activates the state named by moss.fstx=).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildImage } from '../../onix/image/build.ts';
import { QemuMachine } from '../../onix/machine/qemu.ts';
import type { Session } from '../../onix/machine/machine.ts';
import { VM_KERNEL_OPTIONS } from '../../onix/image/recipes/kernel-config.ts';

let vm: QemuMachine;
let sh: Session;

async function run(command: string): Promise<string> {
  const r = await sh.run(command, { timeoutMs: 120_000 });
  assert.equal(r.status, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

async function rebootAndReconnect(): Promise<void> {
  await sh.close();
  await vm.reboot();
  sh = await vm.session();
}

before(async () => {
  const image = await buildImage();
  vm = new QemuMachine({ image, warmStart: false }); // what a boot does, from a boot
  await vm.boot();
  sh = await vm.session();
});

after(async () => {
  await vm?.shutdown();
});

test('the booted machine runs state 2 (Mesa 25.0.7) and moss agrees', async () => {
  assert.equal(await run('cat /usr/.stateID'), '2');
  assert.match(await run('cat /proc/cmdline'), /moss\.fstx=2/);
  const list = await run('moss state list');
  // A sync state has no description (os-tools client/sync.rs); Created is local time with its offset (cli/state.rs).
  assert.match(list, /^State #2 - Sync\nCreated: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\nPackages: 11\n\nState #1 - Install\n/);
  assert.equal((await run('moss state active')).split('\n')[0], 'State #2 - Sync');
  assert.match(await run('grep ^NAME= /etc/os-release'), /ONIX/);
});

test("the running kernel is the VM's own: its release, every option kernel-config.ts asks for, virtio_net the one module loaded", async () => {
  const release = (await run('uname -r')).trim();
  assert.match(release, /^6\.1\.\d+-onix-vm$/);
  // CONFIG_IKCONFIG_PROC: the configuration the kernel was built with, read from the kernel itself.
  const config = new Set((await run('zcat /proc/config.gz')).split('\n'));
  for (const [name, o] of Object.entries(VM_KERNEL_OPTIONS)) assert.ok(config.has(`${name}=${o.value}`), `${name}=${o.value}`);
  // virtio_net and the failover modules it depends on (it selects NET_FAILOVER), loaded by the initramfs;
  // x86_pkg_temp_thermal is a module by Kconfig's default and stays unloaded (the VM's CPU has no sensor).
  const modules = (await run(`cd /usr/lib/modules/${release} && find kernel -name '*.ko' | sort`)).trim().split('\n');
  assert.deepEqual(modules, [
    'kernel/drivers/net/net_failover.ko',
    'kernel/drivers/net/virtio_net.ko',
    'kernel/drivers/thermal/intel/x86_pkg_temp_thermal.ko',
    'kernel/net/core/failover.ko',
  ]);
  assert.deepEqual((await run("cut -d' ' -f1 /proc/modules | sort")).trim().split('\n'), ['failover', 'net_failover', 'virtio_net']);
  assert.match(await run(`cat /usr/lib/modules/${release}/modules.builtin`), /virtio_blk\.ko/);
  // moss's depmod trigger indexed the tree when the state was made (validation 10 in content/validation.md).
  assert.match(await run(`cat /usr/lib/modules/${release}/modules.dep`), /virtio_net\.ko:/);
});

test('under TCG the guest runs on the plain x86-64 CPU the command line names (qemu-command.ts TCG_CPU_MODEL): no AVX, AVX2 or SSSE3 for its programs to pick', async () => {
  const { host } = await vm.identity();
  // Under KVM the guest gets the host's CPU, whose flags are the host's: only the report is checked.
  if (host.startsWith('qemu kvm')) return assert.equal(host, 'qemu kvm, cpu host');
  assert.equal(host, 'qemu tcg, cpu qemu64');
  const flags = new Set((await run("grep -m1 '^flags' /proc/cpuinfo")).split(':')[1].trim().split(/\s+/));
  for (const f of ['sse2', 'pni', 'lm']) assert.ok(flags.has(f), f);
  for (const f of ['avx', 'avx2', 'ssse3', 'bmi2']) assert.ok(!flags.has(f), f);
});

test('the seam ran at boot: users, /nix runtime dirs, /etc/nix, the profile hook, the graphics bridge into the active Mesa', async () => {
  assert.match(await run('grep ^nixbld: /etc/group'), /^nixbld:x:6649:nixbld1,nixbld2,.*nixbld32$/m);
  assert.equal(await run('grep -c "^nixbld[0-9]*:" /etc/passwd'), '32\n');
  assert.equal(await run('id alice'), 'uid=1000(alice) gid=100(users) groups=100(users)\n');
  assert.equal(await run('stat -c %a:%G /nix/store'), '1775:nixbld\n');
  await run('test -d /nix/var/nix/daemon-socket && test -d /nix/var/nix/gcroots && test -d /nix/var/nix/profiles/per-user/alice');
  assert.match(await run('cat /etc/nix/nix.conf'), /build-users-group = nixbld/);
  await run('test -f /etc/profile.d/onix-nix.sh');
  assert.equal(await run('cat /run/opengl-driver/.stateID'), '2');
  assert.equal(await run('readlink /run/opengl-driver/lib/libgallium-25.0.7-2~bpo12+1.so'), '/usr/lib/x86_64-linux-gnu/libgallium-25.0.7-2~bpo12+1.so\n');
  await run('test -e /run/opengl-driver/lib/dri/swrast_dri.so && test -e /run/opengl-driver/share/glvnd/egl_vendor.d/50_mesa.json');
  await run('! test -e /run/opengl-driver/lib/libc.so.6');
});

test("nix-daemon is socket-activated: its socket listens from boot, the daemon starts on the first client and takes the socket as systemd's fd 3", async () => {
  // Processes running Nix's binary (nix-daemon is a link to nix); the seam's supervisor script is also named nix-daemon, so pidof would not do.
  const nixProcesses = async () =>
    (await run('for p in /proc/[0-9]*; do case $(readlink $p/exe 2>/dev/null) in /nix/store/*/bin/nix) echo "$p";; esac; done'))
      .split('\n')
      .filter(Boolean)
      .map((p) => p.slice('/proc/'.length));
  assert.deepEqual(await nixProcesses(), [], 'no client yet: no daemon');
  assert.equal(await run('stat -c %A /nix/var/nix/daemon-socket/socket'), 'srw-rw-rw-\n');
  assert.match(await run('NIX_REMOTE=daemon nix store ping 2>&1'), /^Store URL: daemon$/m);
  // NixOS/nix src/nix/daemon.cc daemonLoop(): with LISTEN_FDS set, LISTEN_PID must be the daemon's pid and LISTEN_FDS 1, and it accepts on fd 3.
  const daemons: string[] = [];
  for (const pid of await nixProcesses()) if ((await run(`tr '\\0' '\\n' < /proc/${pid}/environ`)).includes(`LISTEN_PID=${pid}\n`)) daemons.push(pid);
  assert.equal(daemons.length, 1, 'one daemon, started by the first client');
  const [daemon] = daemons;
  assert.match(await run(`tr '\\0' '\\n' < /proc/${daemon}/environ`), /^LISTEN_FDS=1$/m);
  // The listening socket's line in /proc/net/unix: flags __SO_ACCEPTCON (00010000); its 7th field is the inode.
  const socketInode = (await run("grep ' 00010000 .* /nix/var/nix/daemon-socket/socket$' /proc/net/unix")).trim().split(/\s+/)[6];
  assert.equal(await run(`readlink /proc/${daemon}/fd/3`), `socket:[${socketInode}]\n`);
});

test('moss state activate 1 + reboot boots state 1 (Mesa 22.3.6) and the bridge follows', async () => {
  assert.equal(await run('moss state activate 1'), 'State 1 activated (2 archived)\n');
  await rebootAndReconnect();
  assert.equal(await run('cat /usr/.stateID'), '1');
  assert.match(await run('cat /proc/cmdline'), /moss\.fstx=1/);
  assert.equal(await run('cat /run/opengl-driver/.stateID'), '1');
  await run('test -e /run/opengl-driver/lib/libglapi.so.0 && ! test -e /run/opengl-driver/lib/libgallium-25.0.7-2~bpo12+1.so');
  await run('test -d /.moss/root/2/usr');
});

test('choosing the older boot entry rolls back through the initramfs hook', async () => {
  // Back on state 2: blsforme writes entries for the active state and up to 4 older ones
  // (os-tools moss/src/client/boot.rs), so state 1's entry is there to pick; state 2's was not
  // while state 1 was active.
  assert.equal(await run('moss state activate 2'), 'State 2 activated (1 archived)\n');
  await rebootAndReconnect();
  assert.equal(await run('cat /usr/.stateID'), '2');
  // Only the loader's default changes, as if the user picked state 1's entry (named
  // <os-id>-<kernel>-<fstx>.conf) at the boot menu.
  await run('sed -i "s/^default .*/default $(cd /boot/loader/entries && ls -- *-1.conf)/" /boot/loader/loader.conf');
  await rebootAndReconnect();
  assert.equal(await run('cat /usr/.stateID'), '1');
  // The initramfs ran upstream's hook: moss -D /sysroot state activate -y --skip-triggers 1.
  assert.match(vm.consoleLog(), /State 1 activated \(2 archived\)/);
  await run('test -d /.moss/root/2/usr && ! test -e /.moss/root/1');
  assert.equal((await run('moss state active')).split('\n')[0], 'State #1 - Install');
});

test("moss install from the image's local repository swaps in a new /usr on the running machine", async () => {
  const r = await sh.run('moss -y install onix-hello', { timeoutMs: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  // Upstream's wording and columns (os-tools moss/src/client/install.rs); no "State created" line.
  assert.match(r.stdout, /^The following package\(s\) will be installed:\n\nonix-hello +1\.0-1 *\n\n$/);
  assert.equal(await run('onix-hello'), 'hello from the ONIX machine plane (stone onix-hello, state 3)\n');
  await run('test -d /.moss/root/2/usr && ls /boot/loader/entries/onix-*-3.conf && grep -qxF \'default "onix*"\' /boot/loader/loader.conf');
});
