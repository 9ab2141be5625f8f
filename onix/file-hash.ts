// Hashing a file without holding it: stones and a mirror's files run to hundreds of MiB.
// One home for the chunked read, used by moss's stand-in and by onix mirror alike.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Feeds `file` to `update` in 1 MiB chunks. */
export function readChunks(file: string, update: (chunk: Buffer) => void): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** sha256 of a file, hex (what SHA256SUMS holds, and what moss names downloads by: client/cache.rs `download_path`). */
export function sha256File(file: string): string {
  const h = createHash('sha256');
  readChunks(file, (c) => h.update(c));
  return h.digest('hex');
}

/**
 * Copies `source` to `dest` through a temporary file that is renamed into place only when its
 * sha256 is `hash`, so `dest` is never a wrong or half-written file. Returns null when copied,
 * else the sha256 the copy had (nothing is left behind). One pass: each chunk is hashed as it
 * is written, so a stone is read once, not copied and then read back (the test VM has less
 * RAM than its stones, so the read-back came from disk).
 */
export function copyVerified(source: string, dest: string, hash: string): string | null {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  const h = createHash('sha256');
  const to = openSync(tmp, 'w', statSync(source).mode & 0o777);
  try {
    readChunks(source, (chunk) => {
      h.update(chunk);
      for (let done = 0; done < chunk.length; ) done += writeSync(to, chunk, done, chunk.length - done);
    });
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  } finally {
    closeSync(to);
  }
  const actual = h.digest('hex');
  if (actual !== hash) {
    rmSync(tmp, { force: true });
    return actual;
  }
  renameSync(tmp, dest);
  return null;
}
