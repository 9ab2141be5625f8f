// The ELF closure of a set of binaries over unpacked Debian packages: which
// package provides each soname a binary needs (DT_NEEDED), followed transitively.
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ImageBuildError } from '../host-tools.ts';
import { needed } from './elf.ts';

/** Where Debian's multiarch packages keep their shared libraries. */
const MULTIARCH_LIB_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'];

export interface SonameSource {
  deb: string;
  /** Real file (symlinks resolved inside the unpacked deb). */
  file: string;
}

/** soname -> providing deb and file, over the multiarch lib dirs of some unpacked debs. */
export function sonameIndex(unpacked: Map<string, string>, debs: string[]): Map<string, SonameSource> {
  const index = new Map<string, SonameSource>();
  for (const deb of debs) {
    const root = unpacked.get(deb)!;
    for (const rel of MULTIARCH_LIB_DIRS) {
      const dir = join(root, rel);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (!/\.so(\.\d+)*$/.test(name) || index.has(name)) continue;
        let file = join(dir, name);
        const st = lstatSync(file);
        if (st.isSymbolicLink()) {
          const t = readlinkSync(file);
          file = t.startsWith('/') ? join(root, t) : join(dir, t);
          if (!existsSync(file)) continue;
        } else if (!st.isFile()) continue;
        index.set(name, { deb, file: realpathSync(file) });
      }
    }
  }
  return index;
}

export interface Closure {
  /** deb -> sonames taken from it */
  libs: Map<string, Set<string>>;
  /** file -> its NEEDED */
  needs: Map<string, string[]>;
}

/**
 * Follows DT_NEEDED from `roots` through `index`; glibc sonames and `internal` ones end the walk.
 * `listFile` names the package list in the error for a soname nothing provides.
 */
export function elfClosure(roots: string[], index: Map<string, SonameSource>, glibc: Set<string>, internal: Set<string>, listFile: string): Closure {
  const libs = new Map<string, Set<string>>();
  const needs = new Map<string, string[]>();
  const queue = [...roots];
  while (queue.length) {
    const file = queue.shift()!;
    if (needs.has(file)) continue;
    const n = needed(file);
    needs.set(file, n);
    for (const soname of n) {
      if (glibc.has(soname) || internal.has(soname)) continue;
      const src = index.get(soname);
      if (!src) throw new ImageBuildError(`${basename(file)} needs ${soname}, which no package in ${listFile} provides`);
      const set = libs.get(src.deb) ?? libs.set(src.deb, new Set()).get(src.deb)!;
      set.add(soname);
      queue.push(src.file);
    }
  }
  return { libs, needs };
}
