// Nix's store path arithmetic and NAR serialisation, in the exact form Nix 2.8
// uses, so paths we lay down at image build time are the paths Nix itself
// would compute (content-addressed paths match a fixed-output derivation's
// output, `nix store verify` finds the NAR hashes it expects).
//
//   NAR:        "nix-archive-1" then a node; strings are u64le length + bytes + zero pad to 8.
//   base32:     Nix's own alphabet and bit order (not RFC 4648).
//   store path: sha256("<type>:sha256:<hex>:/nix/store:<name>") folded to 20 bytes, base32.
//   fixed:r:    recursive sha256 with no references -> type "source".
import { createHash, type Hash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export const STORE_DIR = '/nix/store';
const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** Nix base32 of a byte string (used for store path hashes and `sha256:<base32>` hashes). */
export function nixBase32(bytes: Uint8Array): string {
  const len = Math.floor((bytes.length * 8 - 1) / 5) + 1;
  let s = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = Math.floor(b / 8);
    const j = b % 8;
    const c = (bytes[i] >> j) | (i >= bytes.length - 1 ? 0 : (bytes[i + 1] << (8 - j)) & 0xff);
    s += BASE32[c & 0x1f];
  }
  return s;
}

/** XOR-folds a hash to `size` bytes (Nix's compressHash). */
export function compressHash(hash: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (const [i, b] of hash.entries()) out[i % size] ^= b;
  return out;
}

const NAME_RE = /^[A-Za-z0-9+\-._?=]+$/;

/** Checks a store path name (Nix's allowed characters, no leading dot). */
export function checkName(name: string): string {
  if (!NAME_RE.test(name) || name.startsWith('.') || name.length > 211) throw new Error(`invalid store path name "${name}"`);
  return name;
}

/** Nix's makeStorePath: `type` is e.g. "source" or "output:out"; `sha256hex` the inner hash. */
export function makeStorePath(type: string, sha256hex: string, name: string): string {
  const fingerprint = `${type}:sha256:${sha256hex}:${STORE_DIR}:${checkName(name)}`;
  const h = createHash('sha256').update(fingerprint).digest();
  return `${STORE_DIR}/${nixBase32(compressHash(h, 20))}-${name}`;
}

/** The path of a recursive (NAR) sha256 content-addressed path without references. */
export function makeFixedOutputPath(narSha256hex: string, name: string): string {
  return makeStorePath('source', narSha256hex, name);
}

/**
 * A deterministic input-addressed path for things we relocate ourselves:
 * hashed from the name and a description of every input (upstream file hashes,
 * the store paths it refers to, the recipe version).
 */
export function makeInputAddressedPath(name: string, inputs: string): string {
  const inner = createHash('sha256').update(`onix-relocated:${inputs}`).digest('hex');
  return makeStorePath('output:out', inner, name);
}

export interface NarHash {
  /** sha256 of the NAR, hex. */
  hex: string;
  /** NAR size in bytes. */
  size: number;
}

class NarWriter {
  size = 0;
  constructor(private readonly h: Hash) {}
  bytes(b: Uint8Array) {
    this.h.update(b);
    this.size += b.length;
  }
  u64(n: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.bytes(b);
  }
  str(s: string | Uint8Array) {
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    this.u64(b.length);
    this.bytes(b);
    const pad = (8 - (b.length % 8)) % 8;
    if (pad) this.bytes(Buffer.alloc(pad));
  }
  file(path: string, length: number) {
    this.u64(length);
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let left = length;
      while (left > 0) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
        if (n <= 0) throw new Error(`${path}: file shrank while hashing`);
        this.bytes(n === buf.length ? buf : buf.subarray(0, n));
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
    const pad = (8 - (length % 8)) % 8;
    if (pad) this.bytes(Buffer.alloc(pad));
  }
  node(path: string) {
    const st = lstatSync(path);
    this.str('(');
    if (st.isSymbolicLink()) {
      this.str('type');
      this.str('symlink');
      this.str('target');
      this.str(readlinkSync(path));
    } else if (st.isFile()) {
      this.str('type');
      this.str('regular');
      if (st.mode & 0o100) {
        this.str('executable');
        this.str('');
      }
      this.str('contents');
      this.file(path, st.size);
    } else if (st.isDirectory()) {
      this.str('type');
      this.str('directory');
      const names = readdirSync(path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const name of names) {
        this.str('entry');
        this.str('(');
        this.str('name');
        this.str(name);
        this.str('node');
        this.node(join(path, name));
        this.str(')');
      }
    } else throw new Error(`${path}: not a file, directory or symlink`);
    this.str(')');
  }
}

/** sha256 and size of the NAR serialisation of a file tree (what Nix records as narHash/narSize). */
export function narHash(path: string): NarHash {
  const h = createHash('sha256');
  const w = new NarWriter(h);
  w.str('nix-archive-1');
  w.node(path);
  return { hex: h.digest('hex'), size: w.size };
}

/** `sha256-<base64>` (SRI) form of a hex sha256, as flakes write `outputHash`. */
export function sri(hex: string): string {
  return `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;
}
