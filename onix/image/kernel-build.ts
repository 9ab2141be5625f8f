// The test VM's kernel, compiled from Debian's kernel source package (linux-source-6.1:
// the upstream tree with Debian's patches applied) with the configuration in
// recipes/kernel-config.ts. A compile takes minutes, so its result (bzImage, .config and the
// installed modules) is kept under <image cache>/kernels/<key>/, keyed by the source
// package, the configuration, the compiler and this file: the linux stone, which also carries
// the initramfs, is laid out again from it in a second when only the initramfs changes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimDir } from '../owned-dirs.ts';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';
import { buildStep } from './musl-toolchain.ts';
import { missingOptions, VM_KERNEL_OPTIONS, vmKernelFragment } from './recipes/kernel-config.ts';
import { sourceDateEpoch } from './source-packages.ts';
import { hashFiles, hashText } from './stone-cache.ts';

/** What a compile leaves: the kernel, its configuration and the module tree of its release. */
export interface VmKernel {
  /** The kernel release (`uname -r`), e.g. 6.1.176-onix-vm. */
  release: string;
  /** arch/x86/boot/bzImage. */
  vmlinuz: string;
  config: string;
  /** lib/modules/<release> as `make modules_install` wrote it (no modules.dep: moss's depmod trigger makes that). */
  modules: string;
}

const CODE = [fileURLToPath(import.meta.url), join(import.meta.dirname, 'recipes/kernel-config.ts')];

/** "linux-source-6.1_6.1.176-1_all.deb" -> series 6.1, upstream 6.1.176, Debian version 6.1.176-1. */
export function kernelSourceOf(deb: string): { series: string; upstream: string; debianVersion: string } {
  const m = /^linux-source-(\d+\.\d+)_((\d+\.\d+\.\d+)-[^_]+)_all\.deb$/.exec(basename(deb));
  if (!m) throw new ImageBuildError(`not Debian's kernel source package: ${basename(deb)}`);
  return { series: m[1], debianVersion: m[2], upstream: m[3] };
}

/** The release the configuration gives the source: upstream version and CONFIG_LOCALVERSION. */
export function vmKernelRelease(deb: string): string {
  return kernelSourceOf(deb).upstream + JSON.parse(VM_KERNEL_OPTIONS.CONFIG_LOCALVERSION.value);
}

function gccVersion(): string {
  return execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
}

function vmKernelAt(dir: string, release: string): VmKernel {
  return { release, vmlinuz: join(dir, 'vmlinuz'), config: join(dir, 'config'), modules: join(dir, 'lib/modules', release) };
}

/** The compiled kernel for `deb`: from the cache, or compiled now (minutes; `onProgress` says so). */
export async function vmKernel(deb: string, cacheDir: string, onProgress: (line: string) => void = () => {}): Promise<VmKernel> {
  const release = vmKernelRelease(deb);
  const key = hashText(basename(deb), vmKernelFragment(), gccVersion(), hashFiles(CODE)).slice(0, 16);
  const dir = join(cacheDir, 'kernels', `${release}-${key}`);
  if (existsSync(join(dir, 'vmlinuz'))) return vmKernelAt(dir, release);
  requireHostTools(
    [HOST_TOOLS.make, HOST_TOOLS.gcc, HOST_TOOLS.xz, HOST_TOOLS.dpkgDeb, HOST_TOOLS.flex, HOST_TOOLS.bison, HOST_TOOLS.bc],
    [
      // objtool, which the x86 build runs on every object, reads ELF with libelf.
      { path: '/usr/include/gelf.h', debian: 'libelf-dev' },
    ],
  );
  const tmp = `${dir}.build-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  claimDir(tmp);
  const log = join(cacheDir, 'kernels', `${release}-${key}.log`);
  rmSync(log, { force: true });
  const t0 = performance.now();
  onProgress(`compiling kernel ${release} from ${basename(deb)} (log: ${log})`);
  try {
    await compile(deb, tmp, release, log);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'out'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  onProgress(`compiled kernel ${release} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return vmKernelAt(dir, release);
}

async function compile(deb: string, work: string, release: string, log: string): Promise<void> {
  const { series } = kernelSourceOf(deb);
  const name = `linux-source-${series}`;
  const src = join(work, name);
  const sh = (step: string, script: string, cwd = work) => buildStep(step, 'sh', ['-ec', script], { cwd, env: process.env, log });
  // The tree without Documentation/ (a third of it), except the Kconfig file lib/Kconfig.debug reads.
  await sh(
    'unpack the kernel source',
    `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/src/${name}.tar.xz | xz -dc -T0 | tar -x --exclude='${name}/Documentation/[!K]*'
     dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/share/doc/${name}/changelog.Debian.gz | gzip -dc > changelog`,
  );
  mkdirSync(join(work, 'debian'));
  renameSync(join(work, 'changelog'), join(work, 'debian/changelog'));
  const env = {
    ...process.env,
    ARCH: 'x86_64',
    // Reproducible: the build's date is the package's changelog date; no user or host names.
    KBUILD_BUILD_TIMESTAMP: new Date(Number(await sourceDateEpoch(work)) * 1000).toUTCString(),
    KBUILD_BUILD_USER: 'onix',
    KBUILD_BUILD_HOST: 'onix-image',
    KBUILD_BUILD_VERSION: '1',
    // Set and empty: no "+" for a tree without version control, only CONFIG_LOCALVERSION.
    LOCALVERSION: '',
  };
  const make = (step: string, args: string[]) => buildStep(step, 'make', args, { cwd: src, env, log });
  writeFileSync(join(work, 'onix-vm.config'), vmKernelFragment());
  await make('kernel tinyconfig', ['tinyconfig']);
  await buildStep('kernel configuration', join(src, 'scripts/kconfig/merge_config.sh'), ['-m', '.config', join(work, 'onix-vm.config')], {
    cwd: src,
    env,
    log,
  });
  await make('kernel olddefconfig', ['olddefconfig']);
  const config = readFileSync(join(src, '.config'), 'utf8');
  const lost = missingOptions(config);
  if (lost.length)
    throw new ImageBuildError(`the kernel's Kconfig did not keep ${lost.join(', ')} (onix/image/recipes/kernel-config.ts; a dependency changed?)`);
  await make('kernel build', [`-j${availableParallelism()}`, 'bzImage', 'modules']);
  // The release the build wrote (from the configuration it synced): what uname -r will say.
  const made = readFileSync(join(src, 'include/config/kernel.release'), 'utf8').trim();
  if (made !== release) throw new ImageBuildError(`the kernel source built release ${made}, not ${release}`);
  const out = join(work, 'out');
  await make('kernel modules_install', ['modules_install', `INSTALL_MOD_PATH=${out}`, 'DEPMOD=true']);
  const modules = join(out, 'lib/modules', release);
  // modules_install links back into the build tree, which is removed.
  for (const link of ['build', 'source']) rmSync(join(modules, link), { force: true });
  renameSync(join(src, 'arch/x86/boot/bzImage'), join(out, 'vmlinuz'));
  writeFileSync(join(out, 'config'), config);
  if (!readdirSync(modules).includes('modules.builtin')) throw new ImageBuildError(`the kernel build left no modules.builtin in ${modules}`);
}
