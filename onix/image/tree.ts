// Small file-tree helpers for stone recipes.
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Moves (renames) everything under `from` into `to`, merging directories. */
export function mergeInto(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dest = join(to, name);
    const st = lstatSync(src);
    if (st.isDirectory() && !st.isSymbolicLink() && existsSync(dest) && lstatSync(dest).isDirectory()) mergeInto(src, dest);
    else {
      rmSync(dest, { recursive: true, force: true });
      renameSync(src, dest);
    }
  }
}

/** Copies a tree (files, symlinks, modes). */
export function copyTree(from: string, to: string): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) {
    mkdirSync(dirname(to), { recursive: true });
    rmSync(to, { force: true });
    symlinkSync(readlinkSync(from), to);
  } else if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const n of readdirSync(from)) copyTree(join(from, n), join(to, n));
    chmodSync(to, st.mode & 0o7777);
  } else {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    chmodSync(to, st.mode & 0o7777);
  }
}

/** Copies one file with a mode. */
export function install(from: string, to: string, mode = 0o644): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

/** Removes what an image never needs: docs, man pages, locales, lintian and bug files. */
export function pruneDocs(root: string): void {
  for (const d of [
    'usr/share/doc',
    'usr/share/man',
    'usr/share/info',
    'usr/share/locale',
    'usr/share/lintian',
    'usr/share/bug',
    'usr/share/bash-completion',
    'usr/share/X11/locale',
    'usr/share/gdb',
  ])
    rmSync(join(root, d), { recursive: true, force: true });
}
