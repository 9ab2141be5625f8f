// A mirror's manifest, SHA256SUMS, in the format `sha256sum -c` reads: one
// "<64 hex>  <relative path>" line per file, sorted by path.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

export const MANIFEST = 'SHA256SUMS';

export interface ManifestLine {
  hash: string;
  path: string;
}

/** sha256 of a file, hex, read in 1 MiB chunks. */
export function sha256OfFile(file: string): string {
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

export function formatManifest(lines: ManifestLine[]): string {
  return [...lines]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((l) => `${l.hash}  ${l.path}\n`)
    .join('');
}

/** Parses SHA256SUMS; a malformed line is reported by its number. */
export function parseManifest(text: string): { lines: ManifestLine[]; bad: number[] } {
  const lines: ManifestLine[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m) lines.push({ hash: m[1], path: m[2] });
    else bad.push(i + 1);
  });
  return { lines, bad };
}
