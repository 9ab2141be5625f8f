// moss's content hash: XXH3-128 of a file's bytes (stone's StoneDigestWriterHasher,
// `digest128()`). The layout database stores it as a decimal u128
// (os-tools moss/src/db/layout/types.rs `hash.to_string()`); asset files are named by
// it in lowercase hex without zero padding beyond two digits (`format!("{:02x}", ...)`,
// moss/src/client/cache.rs). hash-wasm's XXH3-128 runs in Node on the host and in the
// guest. Its WASM loads asynchronously, so it is loaded once by `loadXxh3()` and then used
// synchronously: the moss CLI awaits it before running a command (it is bundled as CommonJS
// for start-up speed, which has no top-level await); index.ts, the door for the host's tools
// and tests, awaits it when imported.
import { readChunks } from '../file-hash.ts';
import { createXXHash128, createXXHash3, type IHasher } from 'hash-wasm';

let hasher: IHasher | undefined;
let hasher64: IHasher | undefined;

/** Loads the XXH3-128 and XXH3-64 hashers; every entry point that may hash awaits this once. */
export async function loadXxh3(): Promise<void> {
  [hasher, hasher64] = await Promise.all([hasher ?? createXXHash128(), hasher64 ?? createXXHash3()]);
}

function loaded(): IHasher {
  if (!hasher) throw new Error('xxh3: the hasher is not loaded (await loadXxh3() at the entry point)');
  return hasher;
}

/** A fresh XXH3-128 state, for hashing a stream. */
export function xxh3Stream128(): IHasher {
  return loaded().init();
}

/**
 * A fresh XXH3-64 state: a stone payload's checksum is the XXH3-64 of its stored bytes
 * (crates/stone read/digest.rs and write/digest.rs use `Xxh3`, whose `digest()` is 64-bit).
 */
export function xxh3Stream64(): IHasher {
  if (!hasher64) throw new Error('xxh3: the hasher is not loaded (await loadXxh3() at the entry point)');
  return hasher64.init();
}

/** An IHasher's hex digest as an unsigned integer. */
export function digestBigInt(h: IHasher): bigint {
  return BigInt(`0x${h.digest('hex')}`);
}

/** XXH3-128 (seed 0) of bytes, as the decimal u128 moss writes to db/layout. */
export function xxh3Bytes(bytes: Uint8Array): string {
  return BigInt(`0x${loaded().init().update(bytes).digest('hex')}`).toString(10);
}

/** XXH3-128 of a file's contents, as a decimal u128 (read in 1 MiB chunks). */
export function xxh3File(file: string): string {
  const h = loaded().init();
  readChunks(file, (c) => h.update(c));
  return BigInt(`0x${h.digest('hex')}`).toString(10);
}

/** The asset file name of a decimal hash: `format!("{:02x}", u128)`. */
export function assetName(decimal: string): string {
  if (!/^\d+$/.test(decimal)) throw new Error(`not a decimal u128 hash: ${decimal}`);
  return BigInt(decimal).toString(16).padStart(2, '0');
}

/**
 * Where an asset lives under a store directory (moss: /.moss/assets/v2):
 * `aa/bb/cc/<hex>` when the hex name has at least 10 characters, else `<hex>`
 * (moss/src/client/cache.rs `asset_path`).
 */
export function assetRelPath(decimal: string): string {
  const hex = assetName(decimal);
  return hex.length >= 10 ? `${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex.slice(4, 6)}/${hex}` : hex;
}
