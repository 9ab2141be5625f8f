// Debian's musl toolchain (musl-tools' musl-gcc over the host's gcc and
// binutils) as the source builds of the base use it: what identifies it (part
// of each stone's cache key), the kernel headers it lacks, and the environment
// that makes a build reproducible (same bytes on a rebuild, anywhere).
//
// Kernel headers: musl-gcc's specs pass -nostdinc and search only
// /usr/include/x86_64-linux-musl, so <linux/*.h> and <asm/*.h> are missing
// (musl ships none; Alpine installs them as its own linux-headers package into
// the musl sysroot). Here they come from Debian's linux-libc-dev, pinned in
// onix/image/packages.txt like every other input, unpacked into a separate
// include dir (linux/, asm-generic/, mtd/, ..., and asm/ from the multiarch
// x86_64-linux-gnu/asm) that the build adds with -isystem after musl's own
// headers. The host's /usr/include is never searched.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { unpackDeb, type DebPin } from './debs.ts';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';

/** The builder code every musl source build depends on (part of their cache keys). */
export const MUSL_BUILD_CODE = ['musl-toolchain.ts', 'source-packages.ts', 'debs.ts', 'stone-cache.ts', 'tree.ts'].map((f) => join(import.meta.dirname, f));

/** The dynamic loader musl-gcc writes into PT_INTERP; /lib is the root link into usr/lib, so it is /usr/lib/ld-musl-x86_64.so.1. */
export const MUSL_INTERP = '/lib/ld-musl-x86_64.so.1';

/** Host packages whose versions decide the output of a musl build. */
const TOOLCHAIN_PACKAGES = ['musl-tools', 'musl-dev', 'binutils', 'make'];

export interface MuslToolchain {
  /** "musl-tools 1.2.3-1, musl-dev 1.2.3-1, binutils 2.40-2, make 4.3-4.1, gcc (Debian 12.2.0-14+deb12u1) 12.2.0": part of cache keys and the manifest. */
  id: string;
  /** Parallel make jobs (the host's available cores). */
  jobs: number;
}

/**
 * The host's musl toolchain, checked: the musl-dev the binaries link against must be
 * the musl the image runs them on (the musl stone's version).
 */
export function muslToolchain(runtime: DebPin): MuslToolchain {
  requireHostTools([HOST_TOOLS.musl, HOST_TOOLS.gcc, HOST_TOOLS.make, HOST_TOOLS.dpkgSource, HOST_TOOLS.bzip2]);
  const versions = new Map(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format fields.
    execFileSync('dpkg-query', ['-W', '-f', '${Package} ${Version}\\n', ...TOOLCHAIN_PACKAGES], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string])
      .map(([p, v]) => [p.replace(/:.*$/, ''), v]),
  );
  for (const p of TOOLCHAIN_PACKAGES) if (!versions.get(p)) throw new ImageBuildError(`host package ${p} is not installed (apt-get install ${p})`);
  if (versions.get('musl-dev') !== runtime.version)
    throw new ImageBuildError(
      `host musl-dev is ${versions.get('musl-dev')}, the image's musl is ${runtime.version}: binaries must link against the musl they run on (install musl-dev=${runtime.version})`,
    );
  const gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  return { id: [...TOOLCHAIN_PACKAGES.map((p) => `${p} ${versions.get(p)}`), gcc].join(', '), jobs: availableParallelism() };
}

/** Unpacks linux-libc-dev into `dir` and returns an include dir of kernel headers for musl-gcc's -isystem. */
export async function kernelHeaders(linuxLibcDev: string, dir: string): Promise<string> {
  const unpacked = join(dir, 'deb');
  await unpackDeb(linuxLibcDev, unpacked);
  const from = join(unpacked, 'usr/include');
  const include = join(dir, 'include');
  mkdirSync(include, { recursive: true });
  for (const name of readdirSync(from)) if (name !== 'x86_64-linux-gnu') renameSync(join(from, name), join(include, name));
  const asm = join(from, 'x86_64-linux-gnu/asm');
  if (!existsSync(asm)) throw new ImageBuildError(`${linuxLibcDev} has no x86_64-linux-gnu/asm headers`);
  renameSync(asm, join(include, 'asm'));
  return include;
}

/**
 * Environment of a reproducible musl build: the compiler, the changelog's date for
 * anything that stamps a time, the C locale and UTC, nothing from the caller's
 * MAKEFLAGS. `buildDir` is mapped to /build in debug info and __FILE__, so the
 * build-id (a hash over the unstripped binary) does not depend on where it ran.
 */
export function muslBuildEnv(sourceDateEpoch: string, buildDir: string, headers: string): { env: NodeJS.ProcessEnv; cflags: string } {
  const { MAKEFLAGS: _m, MFLAGS: _mf, MAKELEVEL: _ml, CFLAGS: _c, LDFLAGS: _l, CPPFLAGS: _cp, ...rest } = process.env;
  const cflags = `-isystem ${headers} -ffile-prefix-map=${buildDir}=/build`;
  return {
    env: { ...rest, SOURCE_DATE_EPOCH: sourceDateEpoch, LC_ALL: 'C', TZ: 'UTC', KBUILD_BUILD_USER: 'onix', KBUILD_BUILD_HOST: 'onix' },
    cflags,
  };
}

/** Runs one build step with its output appended to `log` (kept on failure: the error names it). */
export async function buildStep(step: string, cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; log: string }): Promise<void> {
  const fd = openSync(options.log, 'a');
  try {
    const code = await new Promise<number | null>((resolveStep, reject) => {
      const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('close', resolveStep);
    });
    if (code !== 0) throw new ImageBuildError(`${step} failed (exit ${code}): see ${options.log}`);
  } finally {
    closeSync(fd);
  }
}
