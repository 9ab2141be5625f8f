// The content store: every regular file of every installed stone lives once in
// /.moss/assets/<2 hex>/<2 hex>/<hash> and is hard-linked into each state's /usr.
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** sha256 of a file's contents, hex (the content store's hash). */
export function hashFile(file: string): string {
  const h = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

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
