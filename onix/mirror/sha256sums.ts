// A mirror's manifest, SHA256SUMS, in the format `sha256sum -c` reads: one
// "<64 hex>  <relative path>" line per file, sorted by path.

export const MANIFEST = 'SHA256SUMS';

export interface ManifestLine {
  hash: string;
  path: string;
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
