// The "base is musl" invariant, checked in place: every ELF program in the
// base's bin and sbin runs on musl (or is static), none uses glibc's loader
// unless it lies in a glibc island the image manifest declares, the base shell
// is a musl program, and no glibc loader or libc.so.6 sits on musl's library
// path or at glibc's standard loader path (/lib64), where a stray glibc
// program could find it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { MANIFEST_PATH, parseManifest, type GlibcIsland } from '../image/manifest.ts';
import { MUSL_LIBRARY_PATH, readElfInterp, type ElfInterp } from './elf-interp.ts';
import type { Check } from './invariants.ts';
import { hostPath, RootResolver } from './root-path.ts';

/** Where the base's programs live (/bin and /sbin are links into /usr on a moss root). */
const BASE_BIN_DIRS = ['/usr/bin', '/usr/sbin', '/bin', '/sbin'];
/** glibc's own loader path on x86-64. */
const GLIBC_LOADER_DIRS = ['/lib64'];
const GLIBC_FILES = /^(ld-linux[\w.-]*\.so\.\d+|libc\.so\.6)$/;

interface Program {
  path: string;
  elf: ElfInterp;
}

/** The islands the root's manifest declares (none when it has no manifest). */
function declaredIslands(root: string): { islands: GlibcIsland[]; manifest: boolean } {
  const file = hostPath(root, `/${MANIFEST_PATH}`);
  if (!existsSync(file)) return { islands: [], manifest: false };
  return { islands: parseManifest(readFileSync(file, 'utf8')).islands, manifest: true };
}

/** Every ELF program reachable as a name in the base's bin dirs, by the real path it resolves to. */
function basePrograms(root: string, real: (path: string) => string): Program[] {
  const seen = new Map<string, Program>();
  const dirs = new Set(BASE_BIN_DIRS.map(real));
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(hostPath(root, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = real(posix.join(dir, name));
      if (seen.has(path)) continue;
      let isFile = false;
      try {
        isFile = statSync(hostPath(root, path)).isFile();
      } catch {
        /* dangling link */
      }
      const elf = isFile ? readElfInterp(hostPath(root, path)) : undefined;
      if (elf) seen.set(path, { path, elf });
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** glibc loaders and libc.so.6 on musl's library path or at /lib64 (real paths). */
function glibcOnLibraryPath(root: string, real: (path: string) => string): string[] {
  const found = new Set<string>();
  for (const dir of [...MUSL_LIBRARY_PATH, ...GLIBC_LOADER_DIRS]) {
    const realDir = real(dir);
    let names: string[];
    try {
      names = readdirSync(hostPath(root, realDir));
    } catch {
      continue;
    }
    for (const n of names) if (GLIBC_FILES.test(n) && existsSync(hostPath(root, real(posix.join(realDir, n))))) found.add(posix.join(dir, n));
  }
  return [...found].sort();
}

const inIsland = (path: string, islands: GlibcIsland[]) => islands.find((i) => path.startsWith(`${i.prefix}/`));

export function muslBaseCheck(root: string): Check {
  const name = 'musl base';
  let islands: GlibcIsland[];
  let manifest: boolean;
  try {
    ({ islands, manifest } = declaredIslands(root));
  } catch (e) {
    return {
      name,
      ok: false,
      detail: `/${MANIFEST_PATH}: ${(e as Error).message}`,
      fix: 'the image manifest is written by the image builder: rebuild the image, or restore the file from its stone',
    };
  }
  // One resolver for the whole check: the bin dirs' hundreds of names share their components
  // (and busybox's applets one target), each looked up once.
  const resolver = new RootResolver(root);
  const real = (path: string): string => resolver.resolve(path).path;
  const programs = basePrograms(root, real);
  const problems: string[] = [];
  const foreign = programs.filter((p) => p.elf.libc !== 'musl' && p.elf.libc !== 'static' && !inIsland(p.path, islands));
  if (foreign.length)
    problems.push(
      `${foreign.length} program(s) outside the glibc islands use another loader: ${foreign
        .slice(0, 3)
        .map((p) => `${p.path} (${p.elf.interp})`)
        .join(', ')}${foreign.length > 3 ? ', ...' : ''}`,
    );
  const shell = programs.find((p) => p.path === real('/usr/bin/sh'));
  if (shell && shell.elf.libc !== 'musl')
    problems.push(`the base shell ${shell.path} is ${shell.elf.libc === 'static' ? 'static' : `on ${shell.elf.interp}`}, not a musl program`);
  const stray = glibcOnLibraryPath(root, real);
  if (stray.length) problems.push(`glibc on the base's library path: ${stray.join(', ')}`);
  if (problems.length)
    return {
      name,
      ok: false,
      detail: problems.join('; '),
      fix: 'build base programs against musl (onix/image, musl-gcc); glibc programs belong under a glibc island the image manifest declares, with their own loader',
    };
  const musl = programs.filter((p) => p.elf.libc === 'musl');
  const interps = [...new Set(musl.map((p) => p.elf.interp))].join(', ');
  const statics = programs.filter((p) => p.elf.libc === 'static').length;
  const where = manifest ? `islands: ${islands.map((i) => i.prefix).join(', ') || 'none'}` : 'no image manifest, so no islands';
  return {
    name,
    ok: true,
    detail: `${musl.length} program(s) in bin on musl${interps ? ` (${interps})` : ''}, ${statics} static; no glibc loader on the library path; ${where}`,
  };
}
