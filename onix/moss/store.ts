// The content store: every regular file of every installed stone lives once in
// /.moss/assets/v2/aa/bb/cc/<hex> and is hard-linked into each state's /usr.
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The content store's hash of a file: XXH3-128 as a decimal u128 (see xxh3.ts). */
export { xxh3File as hashFile } from './xxh3.ts';

/** Puts `source` at `dest` as a hard link (same filesystem) or a copy; atomic via a temp name. No-op if dest exists. */
export function linkOrCopy(source: string, dest: string): void {
  if (existsSync(dest)) return;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    linkSync(source, tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EMLINK' && code !== 'EPERM') throw e;
    copyFileSync(source, tmp);
  }
  renameSync(tmp, dest);
}

/** Same inode? (two paths sharing one stored file) */
export function sameFile(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.ino === sb.ino && sa.dev === sb.dev;
}
