// The .stone container, byte for byte as AerynOS os-tools encodes it (crates/stone at
// ffff7d4b): every integer big-endian (`ext.rs`), a 32-byte file header, then payloads, each
// a 32-byte payload header and its stored bytes. This module only encodes and decodes
// buffers; stone-file.ts reads and writes files with it.
import { MossError } from './errors.ts';

/** header/mod.rs `STONE_HEADER_MAGIC`. */
export const STONE_MAGIC = Buffer.from([0, 0x6d, 0x6f, 0x73]);
/** header/v1.rs `INTEGRITY_CHECK`. */
const INTEGRITY_CHECK = Buffer.from([0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 6, 0, 0, 7]);
export const HEADER_SIZE = 32;
export const PAYLOAD_HEADER_SIZE = 32;

/** header/v1.rs `StoneHeaderV1FileType`. */
export const FileType = { binary: 1, delta: 2, repository: 3, buildManifest: 4 } as const;
/** payload/mod.rs `StonePayloadKind`. */
export const PayloadKind = { meta: 1, content: 2, layout: 3, index: 4, attributes: 5 } as const;
/** payload/mod.rs `StonePayloadCompression`. */
export const Compression = { none: 1, zstd: 2 } as const;

/** payload/meta.rs `StonePayloadMetaTag`. */
export const MetaTag = {
  name: 1,
  architecture: 2,
  version: 3,
  summary: 4,
  description: 5,
  homepage: 6,
  sourceId: 7,
  depends: 8,
  provides: 9,
  conflicts: 10,
  release: 11,
  license: 12,
  buildRelease: 13,
  packageUri: 14,
  packageHash: 15,
  packageSize: 16,
  buildDepends: 17,
  sourceUri: 18,
  sourcePath: 19,
  sourceRef: 20,
} as const;

/** payload/meta.rs `StonePayloadMetaDependency`, named as moss/src/dependency.rs `Kind` prints them. */
export const DEPENDENCY_KINDS = ['name', 'soname', 'pkgconfig', 'interpreter', 'cmake', 'python', 'binary', 'sysbinary', 'pkgconfig32'] as const;

/** `{:?}` of a StonePayloadMetaTag, the variant's name: what `moss inspect` and `MissingMetaFieldError` print. */
export const META_TAG_NAMES: Record<number, string> = {
  [MetaTag.name]: 'Name',
  [MetaTag.architecture]: 'Architecture',
  [MetaTag.version]: 'Version',
  [MetaTag.summary]: 'Summary',
  [MetaTag.description]: 'Description',
  [MetaTag.homepage]: 'Homepage',
  [MetaTag.sourceId]: 'SourceID',
  [MetaTag.depends]: 'Depends',
  [MetaTag.provides]: 'Provides',
  [MetaTag.conflicts]: 'Conflicts',
  [MetaTag.release]: 'Release',
  [MetaTag.license]: 'License',
  [MetaTag.buildRelease]: 'BuildRelease',
  [MetaTag.packageUri]: 'PackageURI',
  [MetaTag.packageHash]: 'PackageHash',
  [MetaTag.packageSize]: 'PackageSize',
  [MetaTag.buildDepends]: 'BuildDepends',
  [MetaTag.sourceUri]: 'SourceURI',
  [MetaTag.sourcePath]: 'SourcePath',
  [MetaTag.sourceRef]: 'SourceRef',
};
/** A dependency or provider as moss prints it: `kind(name)` (dependency.rs `Display`). */
export function relationText(p: { dependency: number; name: string }): string {
  return `${DEPENDENCY_KINDS[p.dependency] ?? 'unknown'}(${p.name})`;
}

/** payload/layout.rs `StonePayloadLayoutFileType`. */
export const LayoutFileType = { regular: 1, symlink: 2, directory: 3, characterDevice: 4, blockDevice: 5, fifo: 6, socket: 7 } as const;

export interface StoneHeader {
  numPayloads: number;
  fileType: number;
}

export interface PayloadHeader {
  storedSize: number;
  plainSize: number;
  /** XXH3-64 of the stored (possibly compressed) bytes. */
  checksum: bigint;
  numRecords: number;
  version: number;
  kind: number;
  compression: number;
}

/** payload/meta.rs `StonePayloadMetaPrimitive`: integers are kinds 1-8 (signed odd, unsigned even). */
export type MetaPrimitive =
  | { type: 'integer'; kind: number; value: bigint }
  | { type: 'string'; value: string }
  | { type: 'dependency' | 'provider'; dependency: number; name: string }
  | { type: 'unknown'; kind: number; bytes: Buffer };

export interface MetaRecord {
  tag: number;
  primitive: MetaPrimitive;
}

export interface LayoutRecord {
  uid: number;
  gid: number;
  mode: number;
  tag: number;
  fileType: number;
  /** Regular: the XXH3-128 digest; symlink: the link's target; others: empty. */
  source: Buffer;
  /** The path below /usr. */
  target: string;
}

export interface IndexRecord {
  start: number;
  end: number;
  /** XXH3-128 of the file's bytes. */
  digest: bigint;
}

export function encodeHeader(h: StoneHeader): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  STONE_MAGIC.copy(b, 0);
  b.writeUInt16BE(h.numPayloads, 4);
  INTEGRITY_CHECK.copy(b, 6);
  b[27] = h.fileType;
  b.writeUInt32BE(1, 28);
  return b;
}

/** header/mod.rs `StoneHeader::decode` and header/v1.rs: magic, version 1, the integrity bytes. */
export function decodeHeader(b: Buffer, what: string): StoneHeader {
  if (b.length < HEADER_SIZE) throw new MossError(`${what}: not a stone (header must be ${HEADER_SIZE} bytes long)`);
  if (!b.subarray(0, 4).equals(STONE_MAGIC)) throw new MossError(`${what}: not a stone (invalid magic)`);
  const version = b.readUInt32BE(28);
  if (version !== 1) throw new MossError(`${what}: unknown stone version: ${version}`);
  if (!b.subarray(6, 27).equals(INTEGRITY_CHECK)) throw new MossError(`${what}: corrupt header, failed integrity check`);
  return { numPayloads: b.readUInt16BE(4), fileType: b[27] };
}

export function encodePayloadHeader(h: PayloadHeader): Buffer {
  const b = Buffer.alloc(PAYLOAD_HEADER_SIZE);
  b.writeBigUInt64BE(BigInt(h.storedSize), 0);
  b.writeBigUInt64BE(BigInt(h.plainSize), 8);
  b.writeBigUInt64BE(h.checksum, 16);
  b.writeUInt32BE(h.numRecords, 24);
  b.writeUInt16BE(h.version, 28);
  b[30] = h.kind;
  b[31] = h.compression;
  return b;
}

export function decodePayloadHeader(b: Buffer): PayloadHeader {
  return {
    storedSize: Number(b.readBigUInt64BE(0)),
    plainSize: Number(b.readBigUInt64BE(8)),
    checksum: b.readBigUInt64BE(16),
    numRecords: b.readUInt32BE(24),
    version: b.readUInt16BE(28),
    kind: b[30],
    compression: b[31],
  };
}

const INTEGER_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 8, 8: 8 };

/** meta.rs `Record::encode`: u32 length of the value, u16 tag, u8 kind, a pad byte, the value (strings NUL-terminated). */
export function encodeMetaRecord(r: MetaRecord): Buffer {
  const p = r.primitive;
  let kind: number;
  let value: Buffer;
  if (p.type === 'integer') {
    kind = p.kind;
    value = Buffer.alloc(INTEGER_SIZE[kind]);
    const unsigned = BigInt.asUintN(value.length * 8, p.value);
    for (let i = value.length - 1, v = unsigned; i >= 0; i--, v >>= 8n) value[i] = Number(v & 0xffn);
  } else if (p.type === 'string') {
    kind = 9;
    value = Buffer.concat([Buffer.from(p.value), Buffer.from([0])]);
  } else if (p.type === 'unknown') {
    kind = 255;
    value = p.bytes;
  } else {
    kind = p.type === 'dependency' ? 10 : 11;
    value = Buffer.concat([Buffer.from([p.dependency]), Buffer.from(p.name), Buffer.from([0])]);
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(value.length, 0);
  head.writeUInt16BE(r.tag, 4);
  head[6] = kind;
  return Buffer.concat([head, value]);
}

/** meta.rs `Record::decode`; strings lose their trailing NULs (`sanitize`). Returns the record and the next offset. */
export function decodeMetaRecord(b: Buffer, at: number): [MetaRecord, number] {
  const length = b.readUInt32BE(at);
  const tag = b.readUInt16BE(at + 4);
  const kind = b[at + 6];
  const v = at + 8;
  const text = (from: number, to: number) => b.toString('utf8', from, to).replace(/\0+$/, '');
  let primitive: MetaPrimitive;
  let end: number;
  if (INTEGER_SIZE[kind]) {
    const size = INTEGER_SIZE[kind];
    let value = 0n;
    for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(b[v + i]);
    primitive = { type: 'integer', kind, value: kind % 2 === 1 ? BigInt.asIntN(size * 8, value) : value };
    end = v + size;
  } else if (kind === 9) {
    primitive = { type: 'string', value: text(v, v + length) };
    end = v + length;
  } else if (kind === 10 || kind === 11) {
    primitive = { type: kind === 10 ? 'dependency' : 'provider', dependency: b[v], name: text(v + 1, v + length) };
    end = v + length;
  } else {
    primitive = { type: 'unknown', kind, bytes: Buffer.from(b.subarray(v, v + length)) };
    end = v + length;
  }
  if (end > b.length) throw new MossError('stone meta payload: record runs past the end');
  return [{ tag, primitive }, end];
}

/** layout.rs `Record::encode`: uid, gid, mode, tag (u32 each), source and target lengths (u16), file type, 11 pad bytes, source, target. */
export function encodeLayoutRecord(r: LayoutRecord): Buffer {
  const target = Buffer.from(r.target);
  const head = Buffer.alloc(32);
  head.writeUInt32BE(r.uid >>> 0, 0);
  head.writeUInt32BE(r.gid >>> 0, 4);
  head.writeUInt32BE(r.mode >>> 0, 8);
  head.writeUInt32BE(r.tag >>> 0, 12);
  head.writeUInt16BE(r.source.length, 16);
  head.writeUInt16BE(target.length, 18);
  head[20] = r.fileType;
  return Buffer.concat([head, r.source, target]);
}

export function decodeLayoutRecord(b: Buffer, at: number): [LayoutRecord, number] {
  const sourceLength = b.readUInt16BE(at + 16);
  const targetLength = b.readUInt16BE(at + 18);
  const s = at + 32;
  const t = s + sourceLength;
  const end = t + targetLength;
  if (end > b.length) throw new MossError('stone layout payload: record runs past the end');
  return [
    {
      uid: b.readUInt32BE(at),
      gid: b.readUInt32BE(at + 4),
      mode: b.readUInt32BE(at + 8),
      tag: b.readUInt32BE(at + 12),
      fileType: b[at + 20],
      source: Buffer.from(b.subarray(s, t)),
      target: b.toString('utf8', t, end).replace(/\0+$/, ''),
    },
    end,
  ];
}

/** index.rs: u64 start, u64 end, u128 digest. */
export function encodeIndexRecord(r: IndexRecord): Buffer {
  const b = Buffer.alloc(32);
  b.writeBigUInt64BE(BigInt(r.start), 0);
  b.writeBigUInt64BE(BigInt(r.end), 8);
  b.writeBigUInt64BE(r.digest >> 64n, 16);
  b.writeBigUInt64BE(r.digest & 0xffffffffffffffffn, 24);
  return b;
}

export function decodeIndexRecord(b: Buffer, at: number): [IndexRecord, number] {
  if (at + 32 > b.length) throw new MossError('stone index payload: record runs past the end');
  const digest = (b.readBigUInt64BE(at + 16) << 64n) | b.readBigUInt64BE(at + 24);
  return [{ start: Number(b.readBigUInt64BE(at)), end: Number(b.readBigUInt64BE(at + 8)), digest }, at + 32];
}

/** A u128 as the 16 big-endian bytes a regular file's layout source holds (`hash.to_be_bytes()`). */
export function u128Bytes(value: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(value >> 64n, 0);
  b.writeBigUInt64BE(value & 0xffffffffffffffffn, 8);
  return b;
}

export function bytesU128(b: Buffer): bigint {
  if (b.length !== 16) throw new MossError(`stone layout: a regular file's digest has ${b.length} bytes, not 16`);
  return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

/** Decodes `count` records of one kind from a payload's plain bytes; every byte must be used. */
export function decodeRecords<T>(b: Buffer, count: number, decode: (b: Buffer, at: number) => [T, number], what: string): T[] {
  const out: T[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at >= b.length) throw new MossError(`${what}: ${count} records announced, ${i} present`);
    const [record, next] = decode(b, at);
    out.push(record);
    at = next;
  }
  if (at !== b.length) throw new MossError(`${what}: ${b.length - at} bytes after the last record`);
  return out;
}
