// A stone as one file, the unit moss downloads, caches and unpacks. Upstream's `.stone` is a
// binary container of payloads (crates/stone: Meta, Layout, Index, Content); the stand-in
// keeps the same four parts in a simpler container it alone reads:
//
//   line 1  "moss-stand-in-stone 1"
//   line 2  JSON {meta, layout, index: [{hash, start, end}]}   (meta and layout as in stone.ts)
//   then    the content: every distinct regular file once, concatenated in index order
//
// `index` maps each XXH3-128 hash (decimal, as db/layout stores it) to its bytes in the
// content, as upstream's Index payload does; unpacking checks each file against its hash
// (client/cache.rs `unpack`: FileUnpackHashMismatch).
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { MossError } from './errors.ts';
import type { LayoutEntry, StoneMeta } from './stone.ts';
import { xxh3Bytes } from './xxh3.ts';

const MAGIC = 'moss-stand-in-stone 1';

interface IndexEntry {
  hash: string;
  start: number;
  end: number;
}

export interface StoneFileHeader {
  meta: StoneMeta;
  layout: LayoutEntry[];
  index: IndexEntry[];
}

/** Writes a stone file: its metadata, layout and the content of each distinct regular file (the file at `assetOf(hash)`). */
export function writeStoneFile(out: string, meta: StoneMeta, layout: LayoutEntry[], assetOf: (hash: string) => string): void {
  const hashes = [...new Set(layout.flatMap((e) => (e.type === 'regular' ? [e.hash] : [])))];
  const index: IndexEntry[] = [];
  let offset = 0;
  for (const hash of hashes) {
    const size = statSync(assetOf(hash)).size;
    index.push({ hash, start: offset, end: offset + size });
    offset += size;
  }
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${MAGIC}\n${JSON.stringify({ meta, layout, index })}\n`);
    for (const hash of hashes) writeSync(fd, readFileSync(assetOf(hash)));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
}

/** Reads the header line of a stone file; `contentStart` is where the content begins. */
function readHeader(fd: number, path: string): { header: StoneFileHeader; contentStart: number } {
  const chunk = Buffer.alloc(1 << 16);
  let text = Buffer.alloc(0);
  let newlines = 0;
  let end = -1;
  for (let pos = 0; end < 0; ) {
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    text = Buffer.concat([text, chunk.subarray(0, n)]);
    for (let i = pos; i < text.length; i++)
      if (text[i] === 0x0a && ++newlines === 2) {
        end = i;
        break;
      }
    pos += n;
  }
  const first = text.indexOf(0x0a);
  if (end < 0 || text.subarray(0, first).toString() !== MAGIC) throw new MossError(`not a stone file: ${path}`);
  return { header: JSON.parse(text.subarray(first + 1, end).toString()) as StoneFileHeader, contentStart: end + 1 };
}

/**
 * Unpacks a stone file's content into a store: each file not yet at `assetOf(hash)` is
 * checked against its XXH3-128 and written there (mode from the layout). Returns the header.
 */
export function unpackStoneFile(path: string, assetOf: (hash: string) => string): StoneFileHeader {
  const fd = openSync(path, 'r');
  try {
    const { header, contentStart } = readHeader(fd, path);
    const size = fstatSync(fd).size;
    const modes = new Map(header.layout.flatMap((e) => (e.type === 'regular' ? [[e.hash, e.mode & 0o7777] as const] : [])));
    for (const { hash, start, end } of header.index) {
      const dest = assetOf(hash);
      if (existsSync(dest)) continue;
      if (contentStart + end > size) throw new MossError(`stone file ${path} is truncated`);
      const bytes = Buffer.alloc(end - start);
      if (bytes.length > 0) readSync(fd, bytes, 0, bytes.length, contentStart + start);
      const actual = xxh3Bytes(bytes);
      if (actual !== hash) throw new MossError(`File unpack hash mismatch in ${path}: expected ${hash}, got ${actual}`);
      mkdirSync(dirname(dest), { recursive: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      chmodSync(tmp, modes.get(hash) ?? 0o644);
      renameSync(tmp, dest);
    }
    return header;
  } finally {
    closeSync(fd);
  }
}
