// Hashing a file without holding it: stones and a mirror's files run to hundreds of MiB.
// One home for the chunked read, used by moss's stand-in and by onix mirror alike.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

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
