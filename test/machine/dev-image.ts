// A minimal ONIX-shaped image for developing and testing the machine drivers
// before (or without) the real image from onix/image/build.ts: Debian's kernel,
// static busybox as shell/tools/init, the host's Node with its glibc closure,
// and onix-agent. It follows the real image's conventions where the drivers care:
// BLS entries under /boot/loader, kernels under /boot/onix/<version>/, busybox
// init respawning `onix-agent --virtio org.onix.agent`, users root and alice
// (uid 1000, group users 100), /nix and /home on the root filesystem.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentBundle, MACHINE_CACHE } from '../../onix/machine/agent-bundle.ts';
import { cpioFromDir } from '../../onix/image/cpio.ts';
import type { MachineImage } from '../../onix/machine/image.ts';
import { MachineError } from '../../onix/machine/machine.ts';
import { moduleOrder } from '../../onix/image/recipes/kernel.ts';
import { publishDir } from '../../onix/image/stone-cache.ts';

export const DEV_KERNEL_PACKAGE = 'linux-image-6.1.0-50-amd64';
const BUSYBOX_PACKAGE = 'busybox-static';
/** Modules the initramfs loads (with their dependencies): disk, filesystem, agent port, entropy. */
const INITRD_MODULES = ['crc32c_generic', 'virtio_pci', 'virtio_blk', 'virtio_console', 'virtio_rng', 'ext4', 'overlay'];

const INITTAB = `::sysinit:/etc/init.d/rcS
::respawn:/usr/bin/onix-agent --virtio org.onix.agent
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
`;

const RCS = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755,nosuid,nodev run /run
mount -o remount,rw /
hostname onix
if [ -x /usr/libexec/onix-nix-integration/boot ]; then /usr/libexec/onix-nix-integration/boot; fi
`;

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/modules/$m" 2>/dev/null; done
root=/dev/vda
for arg in $(cat /proc/cmdline); do case "$arg" in root=*) root="\${arg#root=}";; esac; done
i=0
while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o rw "$root" /newroot || { echo "initrd: cannot mount $root"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /sbin/init
`;

function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function imageIdFor(parts: string[]): string {
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const p of parts) h.update(`${p}\0`);
  return h.digest('hex').slice(0, 20);
}

let building: Promise<MachineImage> | null = null;

/** Builds (or reuses from .cache/machine/dev-image/) the development image. */
export function buildDevImage(onProgress: (line: string) => void = () => {}): Promise<MachineImage> {
  building ??= build(onProgress).catch((e: unknown) => {
    building = null;
    throw e;
  });
  return building;
}

async function build(onProgress: (line: string) => void): Promise<MachineImage> {
  const { fetchDebs, unpackDeb } = await import('../../onix/image/debs.ts');
  const debs = await fetchDebs([DEV_KERNEL_PACKAGE, BUSYBOX_PACKAGE], { onProgress });
  const kernelDeb = debs.get(DEV_KERNEL_PACKAGE)!;
  const busyboxDeb = debs.get(BUSYBOX_PACKAGE)!;
  const node = realpathSync(process.execPath);
  const agent = await agentBundle();
  const imageId = imageIdFor([basename(kernelDeb), basename(busyboxDeb), node, String(statSync(node).size), process.version, basename(agent)]);
  const dir = join(MACHINE_CACHE, 'dev-image', imageId);
  const rootfs = join(dir, 'rootfs');
  if (existsSync(join(dir, 'done'))) return { imageId, rootfs };

  onProgress(`building development image ${imageId}`);
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const unpacked = join(work, 'unpacked');
  await unpackDeb(kernelDeb, join(unpacked, 'kernel'));
  await unpackDeb(busyboxDeb, join(unpacked, 'busybox'));
  const root = join(work, 'rootfs');
  for (const d of [
    'usr/bin',
    'usr/sbin',
    'usr/lib/onix',
    'usr/lib64',
    'usr/lib/x86_64-linux-gnu',
    'etc/init.d',
    'boot/loader/entries',
    'proc',
    'sys',
    'dev',
    'run',
    'tmp',
    'root',
    'home/alice',
    'nix',
    'var',
    'mnt',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib64'],
  ])
    symlinkSync(target, join(root, link));
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  chownSync(join(root, 'home/alice'), 1000, 100);

  // busybox and its applets
  const busybox = join(unpacked, 'busybox', 'bin', 'busybox');
  copyFileSync(busybox, join(root, 'usr/bin/busybox'));
  chmodSync(join(root, 'usr/bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) if (a !== 'busybox') symlinkSync('busybox', join(root, 'usr/bin', a));
  symlinkSync('../bin/busybox', join(root, 'usr/sbin/init'));

  // Node with its glibc closure, and the agent
  copyFileSync(node, join(root, 'usr/bin/node'));
  chmodSync(join(root, 'usr/bin/node'), 0o755);
  for (const lib of sharedLibraries(node)) {
    const dest = lib.includes('ld-linux') ? join(root, 'usr/lib64', basename(lib)) : join(root, 'usr/lib/x86_64-linux-gnu', basename(lib));
    copyFileSync(realpathSync(lib), dest);
  }
  copyFileSync(agent, join(root, 'usr/lib/onix/onix-agent.mjs'));
  writeFileSync(join(root, 'usr/bin/onix-agent'), '#!/bin/sh\nexec /usr/bin/node /usr/lib/onix/onix-agent.mjs "$@"\n', { mode: 0o755 });

  // users, init
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:100:Alice:/home/alice:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nusers:x:100:alice\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:1::::::\nalice:*:1::::::\n', { mode: 0o600 });
  writeFileSync(join(root, 'etc/hostname'), 'onix\n');
  writeFileSync(join(root, 'etc/inittab'), INITTAB);
  writeFileSync(join(root, 'etc/init.d/rcS'), RCS, { mode: 0o755 });
  writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="ONIX (machine driver development image)"\nID=onix\n');
  symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'));
  writeFileSync(join(root, 'usr/.stateID'), '1');

  // kernel, initramfs, boot entry
  const modulesRoot = join(unpacked, 'kernel', 'lib', 'modules');
  const version = execFileSync('ls', [modulesRoot], { encoding: 'utf8' }).trim().split('\n')[0];
  if (!version) throw new MachineError(`no kernel modules in ${kernelDeb}`);
  const modulesDir = join(modulesRoot, version);
  const initrd = join(work, 'initrd');
  mkdirSync(join(initrd, 'bin'), { recursive: true });
  mkdirSync(join(initrd, 'modules'), { recursive: true });
  copyFileSync(busybox, join(initrd, 'bin/busybox'));
  chmodSync(join(initrd, 'bin/busybox'), 0o755);
  symlinkSync('busybox', join(initrd, 'bin/sh'));
  const order = moduleOrder(modulesDir, INITRD_MODULES);
  for (const mod of order) copyFileSync(join(modulesDir, mod), join(initrd, 'modules', basename(mod)));
  writeFileSync(join(initrd, 'modules.order'), `${order.map((m) => basename(m)).join('\n')}\n`);
  writeFileSync(join(initrd, 'init'), INIT, { mode: 0o755 });
  const bootDir = join(root, 'boot/onix', version);
  mkdirSync(bootDir, { recursive: true });
  copyFileSync(join(unpacked, 'kernel', 'boot', `vmlinuz-${version}`), join(bootDir, 'vmlinuz'));
  writeFileSync(join(bootDir, 'initrd'), cpioFromDir(initrd));
  writeFileSync(
    join(root, 'boot/loader/entries/onix-1.conf'),
    `title ONIX (state 1)\nversion ${version}\nlinux /onix/${version}/vmlinuz\ninitrd /onix/${version}/initrd\noptions root=/dev/vda rw console=ttyS0 quiet moss.fstx=1\n`,
  );
  writeFileSync(join(root, 'boot/loader/loader.conf'), 'default onix-1.conf\n');

  rmSync(unpacked, { recursive: true, force: true });
  rmSync(initrd, { recursive: true, force: true });
  writeFileSync(join(work, 'done'), `${imageId}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  publishDir(work, dir, 'done'); // first one wins: another process may already boot it
  onProgress(`development image ready: ${rootfs}`);
  return { imageId, rootfs };
}
