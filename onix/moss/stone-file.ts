// Stone files, the unit moss downloads, caches and unpacks, in upstream's container
// (stone-format.ts; os-tools crates/stone). A binary stone is written as boulder writes one
// (boulder/src/package/emit.rs `emit_package`, crates/stone write.rs `finalize`): the Meta
// payload, the Layout payload when there are entries, then, when there are files, the Index
// payload and the Content payload, which holds each distinct file once, largest first.
//
// The stand-in writes payloads uncompressed (`StonePayloadCompression::None`, which upstream's
// reader takes as it is: read/mod.rs `PayloadReader::Plain`), so unpacking on the test machine
// is a copy, not a zstd decode under TCG; it reads zstd payloads too (fzstd), so a stone boulder
// made opens here. A repository index is a stone of file type Repository holding one Meta
// payload per package, with its PackageURI, PackageHash and PackageSize (moss/src/client/index.rs
// `write_index`; read back by repository/manager.rs `update_meta_db`).
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { decompress } from 'fzstd';
import { MossError } from './errors.ts';
import { readChunks } from '../file-hash.ts';
import type { LayoutEntry, StoneMeta } from './stone.ts';
import {
  bytesU128,
  Compression,
  decodeHeader,
  decodeIndexRecord,
  decodeLayoutRecord,
  decodeMetaRecord,
  decodePayloadHeader,
  decodeRecords,
  encodeHeader,
  encodeIndexRecord,
  encodeLayoutRecord,
  encodeMetaRecord,
  encodePayloadHeader,
  FileType,
  HEADER_SIZE,
  LayoutFileType,
  PAYLOAD_HEADER_SIZE,
  PayloadKind,
  u128Bytes,
  type IndexRecord,
  type LayoutRecord,
  type MetaRecord,
  type PayloadHeader,
  type StoneHeader,
} from './stone-format.ts';
import { metaFromRecords, metaRecords, type IndexFields } from './stone-meta.ts';
import { digestBigInt, xxh3File, xxh3Stream128, xxh3Stream64 } from './xxh3.ts';

/** boulder/src/package/emit.rs `Package::filename`: `<name>-<version>-<release>-<build release>-<arch>.stone`. */
export function stoneFileName(meta: StoneMeta): string {
  return `${meta.name}-${meta.version}-${meta.release}-${meta.buildRelease ?? 1}-${meta.architecture ?? 'x86_64'}.stone`;
}

/** A payload of records, uncompressed, with its header (write.rs `encode_payload`, version 1). */
function recordPayload(kind: number, records: Buffer[]): Buffer {
  const body = Buffer.concat(records);
  const header: PayloadHeader = {
    storedSize: body.length,
    plainSize: body.length,
    checksum: digestBigInt(xxh3Stream64().update(body)),
    numRecords: records.length,
    version: 1,
    kind,
    compression: Compression.none,
  };
  return Buffer.concat([encodePayloadHeader(header), body]);
}

function layoutRecord(e: LayoutEntry): LayoutRecord {
  const owner = { uid: e.uid ?? 0, gid: e.gid ?? 0, tag: 0 };
  if (e.type === 'regular') return { ...owner, mode: e.mode, fileType: LayoutFileType.regular, source: u128Bytes(BigInt(e.hash)), target: e.path };
  if (e.type === 'symlink') return { ...owner, mode: e.mode ?? 0o120777, fileType: LayoutFileType.symlink, source: Buffer.from(e.target), target: e.path };
  return { ...owner, mode: e.mode, fileType: LayoutFileType.directory, source: Buffer.alloc(0), target: e.path };
}

/** A layout payload's records as the stand-in's entries; device nodes, FIFOs and sockets ("not properly supported" upstream) are refused. */
export function layoutEntries(records: LayoutRecord[], what: string): LayoutEntry[] {
  return records.map((r) => {
    const owner = { mode: r.mode, uid: r.uid, gid: r.gid };
    if (r.fileType === LayoutFileType.regular) return { type: 'regular', path: r.target, hash: bytesU128(r.source).toString(10), ...owner };
    if (r.fileType === LayoutFileType.symlink) return { type: 'symlink', path: r.target, target: r.source.toString('utf8').replace(/\0+$/, ''), ...owner };
    if (r.fileType === LayoutFileType.directory) return { type: 'directory', path: r.target, ...owner };
    throw new MossError(`${what}: layout entry ${r.target} has file type ${r.fileType}, which the stand-in does not place`);
  });
}

function writeAtomically(out: string, write: (fd: number) => void): void {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
}

/**
 * Writes a binary stone: `meta`, `layout`, and the content of each distinct regular file,
 * read from `assetOf(hash)` and checked against its XXH3-128 on the way in.
 */
export function writeStoneFile(out: string, meta: StoneMeta, layout: LayoutEntry[], assetOf: (hash: string) => string): void {
  const unique = [...new Set(layout.flatMap((e) => (e.type === 'regular' ? [e.hash] : [])))].map((hash) => ({ hash, size: statSync(assetOf(hash)).size }));
  // emit.rs: dedupe by hash, then sort largest to smallest (a stable sort).
  const files = unique.sort((a, b) => b.size - a.size);
  const payloads = [recordPayload(PayloadKind.meta, metaRecords(meta).map(encodeMetaRecord))];
  if (layout.length > 0)
    payloads.push(
      recordPayload(
        PayloadKind.layout,
        layout.map((e) => encodeLayoutRecord(layoutRecord(e))),
      ),
    );
  const index: IndexRecord[] = [];
  let offset = 0;
  for (const f of files) {
    index.push({ start: offset, end: offset + f.size, digest: BigInt(f.hash) });
    offset += f.size;
  }
  if (files.length > 0) payloads.push(recordPayload(PayloadKind.index, index.map(encodeIndexRecord)));
  const header: StoneHeader = { numPayloads: payloads.length + (files.length > 0 ? 1 : 0), fileType: FileType.binary };
  writeAtomically(out, (fd) => {
    let at = 0;
    const put = (b: Buffer) => {
      writeSync(fd, b, 0, b.length, at);
      at += b.length;
    };
    put(encodeHeader(header));
    for (const p of payloads) put(p);
    if (files.length === 0) return;
    // The content header's checksum is known only after the content: write it last, in place.
    const contentHeaderAt = at;
    at += PAYLOAD_HEADER_SIZE;
    const checksum = xxh3Stream64();
    for (const f of files) {
      const digest = xxh3Stream128();
      let size = 0;
      readChunks(assetOf(f.hash), (chunk) => {
        checksum.update(chunk);
        digest.update(chunk);
        size += chunk.length;
        put(chunk);
      });
      const actual = digestBigInt(digest).toString(10);
      if (actual !== f.hash || size !== f.size) throw new MossError(`asset ${assetOf(f.hash)} changed while packing ${meta.name}: its XXH3-128 is ${actual}`);
    }
    const content: PayloadHeader = {
      storedSize: offset,
      plainSize: offset,
      checksum: digestBigInt(checksum),
      numRecords: 0,
      version: 1,
      kind: PayloadKind.content,
      compression: Compression.none,
    };
    writeSync(fd, encodePayloadHeader(content), 0, PAYLOAD_HEADER_SIZE, contentHeaderAt);
  });
}

/** What a stone file holds: its payloads decoded, the content located. */
export interface StoneContents {
  header: StoneHeader;
  /** Every payload's header, in file order. */
  payloads: PayloadHeader[];
  /** Each Meta payload's records (one in a binary stone, one per package in an index). */
  metas: MetaRecord[][];
  layout: LayoutRecord[];
  index: IndexRecord[];
  content?: { header: PayloadHeader; offset: number };
}

function readAt(fd: number, length: number, position: number, what: string): Buffer {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) throw new MossError(`${what} is truncated`);
    got += n;
  }
  return b;
}

/** A payload's stored bytes, checked against its checksum (read/mod.rs `validate_checksum`) and decompressed. */
function plainBytes(stored: Buffer, h: PayloadHeader, what: string): Buffer {
  const got = digestBigInt(xxh3Stream64().update(stored));
  if (got !== h.checksum) throw new MossError(`${what}: payload checksum mismatch: got ${got.toString(16)}, expected ${h.checksum.toString(16)}`);
  if (h.compression === Compression.none) return stored;
  if (h.compression !== Compression.zstd) throw new MossError(`${what}: unknown payload compression ${h.compression}`);
  const plain = Buffer.from(decompress(stored));
  if (plain.length !== h.plainSize) throw new MossError(`${what}: payload is ${plain.length} bytes decompressed, its header says ${h.plainSize}`);
  return plain;
}

/** Reads a stone's header and payloads (read/mod.rs `payloads`); content is located, not read. */
function readPayloads(fd: number, what: string): StoneContents {
  const size = fstatSync(fd).size;
  const header = decodeHeader(readAt(fd, Math.min(HEADER_SIZE, size), 0, what), what);
  const out: StoneContents = { header, payloads: [], metas: [], layout: [], index: [] };
  let at = HEADER_SIZE;
  for (let i = 0; i < header.numPayloads; i++) {
    if (at + PAYLOAD_HEADER_SIZE > size) throw new MossError(`${what} is truncated: ${header.numPayloads} payloads announced, ${i} present`);
    const h = decodePayloadHeader(readAt(fd, PAYLOAD_HEADER_SIZE, at, what));
    at += PAYLOAD_HEADER_SIZE;
    if (at + h.storedSize > size) throw new MossError(`${what} is truncated inside payload ${i + 1}`);
    out.payloads.push(h);
    const known = h.compression === Compression.none || h.compression === Compression.zstd;
    if (!known) {
      // read/mod.rs: a payload of unknown compression is skipped, not decoded.
    } else if (h.kind === PayloadKind.content) {
      if (out.content) throw new MossError(`${what}: multiple content payloads not allowed`);
      out.content = { header: h, offset: at };
    } else if (h.kind === PayloadKind.meta || h.kind === PayloadKind.layout || h.kind === PayloadKind.index) {
      const plain = plainBytes(readAt(fd, h.storedSize, at, what), h, what);
      if (h.kind === PayloadKind.meta) out.metas.push(decodeRecords(plain, h.numRecords, decodeMetaRecord, `${what}: meta payload`));
      else if (h.kind === PayloadKind.layout) out.layout.push(...decodeRecords(plain, h.numRecords, decodeLayoutRecord, `${what}: layout payload`));
      else out.index.push(...decodeRecords(plain, h.numRecords, decodeIndexRecord, `${what}: index payload`));
    } else if (h.kind === PayloadKind.attributes) {
      // Checked like every known payload; nothing here uses attributes.
      plainBytes(readAt(fd, h.storedSize, at, what), h, what);
    }
    // Payloads of unknown kind are skipped unchecked (read/mod.rs:296-301).
    at += h.storedSize;
  }
  return out;
}

function withFile<T>(path: string, f: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new MossError(`cannot open stone ${path}`);
  }
  try {
    return f(fd);
  } finally {
    closeSync(fd);
  }
}

export function readStone(path: string): StoneContents {
  return withFile(path, (fd) => readPayloads(fd, `stone ${path}`));
}

/** The metadata and layout a binary stone carries. */
export function readStoneMetaAndLayout(path: string): { meta: StoneMeta; layout: LayoutEntry[] } {
  const s = readStone(path);
  if (s.metas.length === 0) throw new MossError(`stone ${path} has no meta payload`);
  return { meta: metaFromRecords(s.metas[0]).meta, layout: layoutEntries(s.layout, `stone ${path}`) };
}

/**
 * Checks the content payload against its checksum (read/mod.rs `unpack_content`). An
 * uncompressed payload is streamed and left on disk (returns undefined); a zstd one is
 * decompressed into memory and returned.
 */
function checkContent(fd: number, content: { header: PayloadHeader; offset: number }, what: string): Buffer | undefined {
  const { header, offset } = content;
  if (header.compression !== Compression.none) return plainBytes(readAt(fd, header.storedSize, offset, what), header, what);
  const checksum = xxh3Stream64();
  const chunk = 1 << 20;
  for (let at = 0; at < header.storedSize; at += chunk) checksum.update(readAt(fd, Math.min(chunk, header.storedSize - at), offset + at, what));
  const got = digestBigInt(checksum);
  if (got !== header.checksum) throw new MossError(`${what}: payload checksum mismatch: got ${got.toString(16)}, expected ${header.checksum.toString(16)}`);
  return undefined;
}

/** Reads every payload and checks every checksum, the content's included (cli/inspect.rs `check_stone_integrity`); returns the payloads in file order. */
export function checkStone(path: string): PayloadHeader[] {
  return withFile(path, (fd) => {
    const s = readPayloads(fd, `stone ${path}`);
    if (s.content) checkContent(fd, s.content, `stone ${path}`);
    return s.payloads;
  });
}

/** An index entry's asset: its digest as moss records it and where it goes. */
interface AssetTarget {
  start: number;
  end: number;
  hash: string;
  dest: string;
}

/** Writes `bytes` as `dest`, through a partial file, once they hash to `hash` (FileUnpackHashMismatch otherwise). */
function writeAsset(path: string, t: AssetTarget, bytes: Buffer, mode: number): void {
  const actual = digestBigInt(xxh3Stream128().update(bytes)).toString(10);
  if (actual !== t.hash) throw new MossError(`File unpack hash mismatch in ${path}: expected ${t.hash}, got ${actual}`);
  mkdirSync(dirname(t.dest), { recursive: true });
  const partial = `${t.dest}.part`;
  writeFileSync(partial, bytes);
  chmodSync(partial, mode);
  renameSync(partial, t.dest);
}

/** Index entries in content order, none overlapping the next: the content can be unpacked in one read. */
function inContentOrder(targets: AssetTarget[]): boolean {
  return targets.every((t, i) => t.start <= t.end && (i === 0 || targets[i - 1].end <= t.start));
}

/**
 * Unpacks uncompressed content in one sequential read: the payload checksum and each
 * missing asset's XXH3-128 are computed from the same bytes, each asset is written to its
 * partial file as they pass, and the partial files are renamed only once the whole payload's
 * checksum, then each digest, is right; otherwise they are removed. Upstream reaches the same
 * end in two passes (cache.rs `unpack`: the checked content into a file, then split by the
 * index), as the stand-in did: on a 295 MB stone under TCG the second read is seconds.
 */
function unpackSequentially(
  fd: number,
  content: { header: PayloadHeader; offset: number },
  missing: AssetTarget[],
  modes: Map<string, number>,
  path: string,
): void {
  const what = `stone ${path}`;
  const { header, offset } = content;
  const checksum = xxh3Stream64();
  const written: { target: AssetTarget; partial: string; actual: string }[] = [];
  const buffer = Buffer.allocUnsafe(1 << 20);
  let at = 0;
  /** Reads the content up to `to`, into the checksum and to `sink`. */
  const advance = (to: number, sink?: (chunk: Buffer) => void) => {
    while (at < to) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, to - at), offset + at);
      if (n === 0) throw new MossError(`${what} is truncated`);
      const chunk = buffer.subarray(0, n);
      checksum.update(chunk);
      sink?.(chunk);
      at += n;
    }
  };
  try {
    for (const target of missing) {
      if (target.end > header.plainSize) throw new MossError(`${what}: index entry ${target.start}..${target.end} lies outside the content`);
      advance(target.start);
      mkdirSync(dirname(target.dest), { recursive: true });
      const partial = `${target.dest}.part`;
      const out = openSync(partial, 'w', modes.get(target.hash) ?? 0o644);
      const digest = xxh3Stream128();
      written.push({ target, partial, actual: '' });
      try {
        advance(target.end, (chunk) => {
          digest.update(chunk);
          writeSync(out, chunk);
        });
      } finally {
        closeSync(out);
      }
      written[written.length - 1].actual = digestBigInt(digest).toString(10);
    }
    advance(header.storedSize);
    const got = digestBigInt(checksum);
    if (got !== header.checksum) throw new MossError(`${what}: payload checksum mismatch: got ${got.toString(16)}, expected ${header.checksum.toString(16)}`);
    const bad = written.find((w) => w.actual !== w.target.hash);
    if (bad) throw new MossError(`File unpack hash mismatch in ${path}: expected ${bad.target.hash}, got ${bad.actual}`);
    for (const w of written) {
      chmodSync(w.partial, modes.get(w.target.hash) ?? 0o644); // the umask may have narrowed open's mode
      renameSync(w.partial, w.target.dest);
    }
  } catch (e) {
    for (const w of written) rmSync(w.partial, { force: true });
    throw e;
  }
}

/**
 * Unpacks a stone's content into a store (client/cache.rs `unpack`): each indexed file whose
 * asset is missing or does not hash to its digest is written there, through a partial file,
 * once the content payload's checksum and the file's XXH3-128 are right
 * (FileUnpackHashMismatch). Assets take the layout's permission bits. Returns what the stone
 * says of itself, which is what moss records in its databases.
 */
export function unpackStoneFile(path: string, assetOf: (hash: string) => string): { meta: StoneMeta; layout: LayoutEntry[] } {
  const what = `stone ${path}`;
  return withFile(path, (fd) => {
    const s = readPayloads(fd, what);
    if (s.metas.length === 0) throw new MossError(`${what} has no meta payload`);
    const layout = layoutEntries(s.layout, what);
    const result = { meta: metaFromRecords(s.metas[0]).meta, layout };
    if (s.index.length === 0) return result;
    if (!s.content) throw new MossError(`${what}: missing content payload`);
    const modes = new Map(layout.flatMap((e) => (e.type === 'regular' ? [[e.hash, e.mode & 0o7777] as const] : [])));
    const targets = s.index.map(({ start, end, digest }) => ({ start, end, hash: digest.toString(10), dest: assetOf(digest.toString(10)) }));
    // An asset already there is kept only when it hashes to its digest (cache.rs `is_unpacked_already`).
    const seen = new Set<string>();
    const missing = targets.filter((t) => !seen.has(t.hash) && seen.add(t.hash) && !(existsSync(t.dest) && xxh3File(t.dest) === t.hash));
    const { header, offset } = s.content;
    const sorted = [...missing].sort((a, b) => a.start - b.start);
    if (header.compression === Compression.none && inContentOrder(sorted)) {
      unpackSequentially(fd, s.content, sorted, modes, path);
      return result;
    }
    const plain = checkContent(fd, s.content, what);
    for (const t of missing) {
      if (t.end < t.start || t.end > header.plainSize) throw new MossError(`${what}: index entry ${t.start}..${t.end} lies outside the content`);
      const bytes = plain ? plain.subarray(t.start, t.end) : t.end > t.start ? readAt(fd, t.end - t.start, offset + t.start, what) : Buffer.alloc(0);
      writeAsset(path, t, bytes, modes.get(t.hash) ?? 0o644);
    }
    return result;
  });
}

export interface IndexedStone extends IndexFields {
  meta: StoneMeta;
}

/** Writes a repository index: a Repository stone with a Meta payload per package, in name order (`write_index` iterates a BTreeMap by name). */
export function writeIndexFile(out: string, stones: IndexedStone[]): void {
  const sorted = [...stones].sort((a, b) =>
    a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : a.meta.release - b.meta.release || (a.meta.buildRelease ?? 1) - (b.meta.buildRelease ?? 1),
  );
  const payloads = sorted.map((s) => recordPayload(PayloadKind.meta, metaRecords(s.meta, s).map(encodeMetaRecord)));
  writeAtomically(out, (fd) => writeSync(fd, Buffer.concat([encodeHeader({ numPayloads: payloads.length, fileType: FileType.repository }), ...payloads])));
}

/** Reads a repository index; every package must carry its URI, hash and size (manager.rs: MissingMetaField(PackageHash)). */
export function readIndexFile(path: string): IndexedStone[] {
  const s = withFile(path, (fd) => readPayloads(fd, `repository index ${path}`));
  return s.metas.map((records) => {
    const { meta, index } = metaFromRecords(records);
    if (!index.uri || !index.hash || index.size === undefined)
      throw new MossError(`repository index ${path}: ${meta.name} lacks its package URI, hash or size`);
    return { meta, uri: index.uri, hash: index.hash, size: index.size };
  });
}
