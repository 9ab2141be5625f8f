// The test VM's kernel, compiled from Debian's kernel source package (linux-source-6.1:
// the upstream tree with Debian's patches applied) with the configuration in
// recipes/kernel-config.ts. A compile takes minutes, so its result (bzImage, .config and the
// installed modules) is kept under <image cache>/kernels/<key>/, keyed by the source
// package, the configuration's values, the compiler and the compile steps (kernel-compile.ts):
// the linux stone, which also carries the initramfs, is laid out again from it in a second when
// only the initramfs changes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { claimDir } from '../owned-dirs.ts';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';
import { compileKernel } from './kernel-compile.ts';
import { VM_KERNEL_OPTIONS, vmKernelFragment } from './recipes/kernel-config.ts';
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

/**
 * The code whose every change compiles the kernel again: the compile steps alone, so an edit to this
 * file or to an option's reason does not cost a compile (the options' values are in the key through
 * the fragment). The GitHub workflow keys its cache of kernels on it too.
 */
export const KERNEL_CODE = [join(import.meta.dirname, 'kernel-compile.ts')];

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
  const key = hashText(basename(deb), vmKernelFragment(), gccVersion(), hashFiles(KERNEL_CODE)).slice(0, 16);
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
    await compileKernel(deb, kernelSourceOf(deb).series, tmp, release, log);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'out'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  onProgress(`compiled kernel ${release} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return vmKernelAt(dir, release);
}
