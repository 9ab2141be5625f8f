// The linux stone: the test VM's kernel, compiled from Debian's kernel source package with a
// configuration of its own (kernel-build.ts, kernel-config.ts), at /usr/lib/kernel/<release>/vmlinuz;
// the initramfs we build (busybox, moss-exchange, the modules the VM needs and the moss
// early-boot hook) at /usr/lib/kernel/<release>/10-onix.initrd; the kernel's module tree
// under /usr/lib/modules/<release>/ for the running system.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { cpioFromDir } from '../cpio.ts';
import { kernelSourceOf, vmKernel, vmKernelRelease } from '../kernel-build.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles, hashText } from '../stone-cache.ts';
import { copyTree, install } from '../tree.ts';
import { FILES } from './base.ts';
import { debTree } from './deb-tree.ts';
import { vmKernelFragment } from './kernel-config.ts';

/**
 * What the boot needs of the kernel (with the dependencies): disk, filesystems, agent port,
 * entropy, the NIC a host may add for SSH. vfat for the ESP (/efi) and XBOOTLDR (/boot), with
 * the code page and character set the mounts rely on (CONFIG_FAT_DEFAULT_*). Those the kernel
 * builds as modules are loaded by the initramfs; the VM's kernel has all but virtio_net built in.
 */
export const BOOT_MODULES = [
  'crc32c_generic',
  'virtio_pci',
  'virtio_blk',
  'virtio_console',
  'virtio_rng',
  'ext4',
  'vfat',
  'nls_cp437',
  'nls_ascii',
  'overlay',
  'virtio_net',
];

/**
 * Modules in load order (dependencies first). The .deb ships no modules.dep
 * (depmod makes it at install time), so dependencies come from each module's
 * .modinfo "depends=" string. Absent names are built into the kernel.
 */
export function moduleOrder(modulesDir: string, wanted: string[]): string[] {
  const byName = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(modulesDir, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith('.ko')) byName.set(e.name.slice(0, -3).replace(/-/g, '_'), r);
    }
  };
  walk('kernel');
  const order: string[] = [];
  const visit = (name: string): void => {
    const mod = byName.get(name);
    if (!mod || order.includes(mod)) return;
    const data = readFileSync(join(modulesDir, mod)).toString('latin1');
    const at = data.indexOf('\0depends=');
    const deps = at < 0 ? '' : data.slice(at + 9, data.indexOf('\0', at + 9));
    for (const d of deps.split(',').filter(Boolean)) visit(d.replace(/-/g, '_'));
    order.push(mod);
  };
  for (const w of wanted) visit(w);
  return order;
}

/** The initramfs's name in /usr/lib/kernel/<version>/ (blsforme kernel.rs: `*.initrd`). */
export const INITRD_NAME = '10-onix.initrd';

/** Files of the initramfs: source under files/, path in the initramfs. */
const INITRAMFS_FILES: [string, string][] = [
  ['initramfs-init', 'init'],
  ['onix-fstx-recover', 'lib/onix/onix-fstx-recover'],
  ['moss-fstx.sh', 'lib/moss/moss-fstx.sh'],
  ['initramfs-moss', 'bin/moss'],
];

export function kernelRecipe(
  sourceDeb: string,
  busyboxDeb: string,
  exchangeBinary: string,
  cacheDir: string,
  onProgress?: (line: string) => void,
): StoneRecipe {
  const version = vmKernelRelease(sourceDeb);
  const { debianVersion } = kernelSourceOf(sourceDeb);
  return {
    meta: {
      name: 'linux',
      version,
      release: 1,
      summary: `Linux ${version}: Debian's kernel source ${debianVersion} configured for the ONIX test VM, with the ONIX initramfs`,
      licenses: ['GPL-2.0-only'],
    },
    inputs: [
      basename(sourceDeb),
      hashText(vmKernelFragment()),
      basename(busyboxDeb),
      hashFiles([...INITRAMFS_FILES.map(([f]) => join(FILES, f)), join(FILES, 'depmod.yaml'), exchangeBinary]),
      BOOT_MODULES.join(','),
    ],
    async make(usr, work) {
      const kernel = await vmKernel(sourceDeb, cacheDir, onProgress);
      const tree = await debTree([busyboxDeb], join(work, 'deb'));
      const order = moduleOrder(kernel.modules, BOOT_MODULES);
      const kdir = join(usr, 'lib/kernel', version);
      install(kernel.vmlinuz, join(kdir, 'vmlinuz'));
      install(kernel.config, join(kdir, 'config'));
      // The module tree as the kernel's build installed it; moss runs depmod for each module
      // tree as a transaction trigger, before the swap.
      copyTree(kernel.modules, join(usr, 'lib/modules', version));
      install(join(FILES, 'depmod.yaml'), join(usr, 'share/moss/triggers/tx.d/depmod.yaml'));
      // The initramfs.
      const initrd = join(work, 'initrd');
      for (const d of ['bin', 'lib/modules', 'proc', 'sys', 'dev', 'sysroot']) mkdirSync(join(initrd, d), { recursive: true });
      install(join(tree, 'bin/busybox'), join(initrd, 'bin/busybox'), 0o755);
      // Every applet's link made here, not by `busybox --install` at each boot (a few
      // hundred symlink calls, 0.1-0.3 s of an emulated boot). The static busybox runs on
      // the build host to list them.
      for (const applet of execFileSync(join(initrd, 'bin/busybox'), ['--list'], { encoding: 'utf8' }).split('\n')) {
        if (/^[\w.[-]+$/.test(applet) && applet !== 'busybox') symlinkSync('busybox', join(initrd, 'bin', applet));
      }
      if (!existsSync(join(initrd, 'bin/sh'))) symlinkSync('busybox', join(initrd, 'bin/sh'));
      install(exchangeBinary, join(initrd, 'bin/moss-exchange'), 0o755);
      for (const m of order) copyFileSync(join(kernel.modules, m), join(initrd, 'lib/modules', basename(m)));
      writeFileSync(join(initrd, 'lib/modules/load-order'), `${order.map((m) => basename(m)).join('\n')}\n`);
      for (const [f, dest] of INITRAMFS_FILES) install(join(FILES, f), join(initrd, dest), 0o755);
      // blsforme takes the files ending in ".initrd" beside vmlinuz as the kernel's initrds.
      mkdirSync(kdir, { recursive: true });
      writeFileSync(join(kdir, INITRD_NAME), gzipSync(cpioFromDir(initrd), { level: 9 }));
      chmodSync(join(kdir, INITRD_NAME), 0o644);
    },
  };
}
