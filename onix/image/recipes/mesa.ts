// glibc (the Debian glibc closure Mesa is built against, in the Debian
// multiarch dir) and mesa (one stone per Mesa version: the EGL/GLES/GL stack,
// DRI/gallium drivers and every library of their closure except glibc's).
import { basename, join } from 'node:path';
import type { DebPin } from '../debs.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { debTree } from './deb-tree.ts';

/** Debian packages that make up the glibc stone (and so are left out of mesa stones). */
export const GLIBC_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'gcc-12-base'];

export function glibcRecipe(debs: Map<string, string>): StoneRecipe {
  const files = GLIBC_PACKAGES.map((n) => debs.get(n)!);
  return {
    meta: {
      name: 'glibc',
      version: '2.36',
      release: 1,
      summary: 'GNU C library, libgcc and libstdc++ (Debian), for glibc-built graphics',
      licenses: ['LGPL-2.1-or-later'],
    },
    inputs: files.map((f) => basename(f)),
    async make(usr, work) {
      const tree = await debTree(files, join(work, 'deb'));
      const { mergeInto } = await import('../tree.ts');
      const { rmSync } = await import('node:fs');
      rmSync(join(tree, 'lib/x86_64-linux-gnu/gconv'), { recursive: true, force: true });
      rmSync(join(tree, 'share/gcc'), { recursive: true, force: true });
      // No /lib64/ld-linux-x86-64.so.2: glibc stays in its island (the multiarch dir), so a
      // glibc program cannot run from the base; Mesa's libraries are loaded by Nix apps' own glibc.
      mergeInto(tree, usr);
    },
  };
}

export function mesaRecipe(version: string, release: number, closure: DebPin[], debs: Map<string, string>): StoneRecipe {
  const pins = closure.filter((p) => !GLIBC_PACKAGES.includes(p.name));
  const files = pins.map((p) => debs.get(p.name)!);
  return {
    meta: {
      name: 'mesa',
      version,
      release,
      summary: `Mesa ${version} (Debian, glibc-built): EGL, GLES, GL, gallium drivers and their libraries`,
      description: `Debian packages: ${pins.map((p) => `${p.name} ${p.version}`).join(', ')}`,
      licenses: ['MIT'],
      dependencies: ['glibc'],
    },
    inputs: files.map((f) => basename(f)),
    async make(usr, work) {
      const tree = await debTree(files, join(work, 'deb'));
      const { mergeInto } = await import('../tree.ts');
      mergeInto(tree, usr);
    },
  };
}
