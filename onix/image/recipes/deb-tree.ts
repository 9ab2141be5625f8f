// Debian packages unpacked into one usr-merged tree: /lib, /bin, /sbin move
// under /usr, /etc moves to /usr/share/defaults/etc (packages ship nothing in
// /etc), docs/man/locales go.
import { existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { unpackDeb } from '../debs.ts';
import { mergeInto, pruneDocs } from '../tree.ts';

/** Unpacks debs into `dir` (a root-like tree) and normalises it; returns dir/usr. */
export async function debTree(debs: string[], dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const deb of debs) await unpackDeb(deb, dir);
  for (const [from, to] of [
    ['lib', 'usr/lib'],
    ['bin', 'usr/bin'],
    ['sbin', 'usr/bin'],
    ['usr/sbin', 'usr/bin'],
    ['etc', 'usr/share/defaults/etc'],
  ]) {
    const src = join(dir, from);
    if (existsSync(src) && !lstatSync(src).isSymbolicLink()) {
      mergeInto(src, join(dir, to));
      rmSync(src, { recursive: true, force: true });
    }
  }
  rmSync(join(dir, 'lib64'), { recursive: true, force: true });
  pruneDocs(dir);
  mkdirSync(join(dir, 'usr'), { recursive: true });
  return join(dir, 'usr');
}
