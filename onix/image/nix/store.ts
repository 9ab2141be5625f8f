// A store being laid down outside Nix: items are filled into
// <root>/nix/store/<hash>-<name>, made canonical the way Nix makes them
// (read-only, mtime 1), hashed as NARs, scanned for references, and finally
// listed in the `nix-store --register-validity --hash-given` format.
//
// Two kinds of item:
//   content-addressed  path from the NAR hash (Nix's fixed:r:sha256 "source" path);
//                      must not refer to any store path, so a flake can name it
//                      as a fixed-output derivation.
//   input-addressed    path from a description of the inputs (debs, refs, recipe),
//                      known before filling, so the item may refer to itself.
import { chmodSync, closeSync, lstatSync, lutimesSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeFixedOutputPath, makeInputAddressedPath, narHash, type NarHash, STORE_DIR } from './store-path.ts';

export interface StoreItem {
  /** /nix/store/<hash>-<name> */
  path: string;
  name: string;
  nar: NarHash;
  /** Store paths this item refers to (found by scanning its bytes), itself included if it does. */
  refs: string[];
  contentAddressed: boolean;
}

const HASH_PART = /\/nix\/store\/([0-9a-df-np-sv-z]{32})-/g;

/** Hash parts of /nix/store/ paths mentioned anywhere in a tree (file contents and symlink targets). */
function scanHashes(path: string, found: Set<string>): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    for (const m of readlinkSync(path).matchAll(HASH_PART)) found.add(m[1]);
  } else if (st.isDirectory()) {
    for (const e of readdirSync(path)) scanHashes(join(path, e), found);
  } else if (st.isFile()) {
    const fd = openSync(path, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      let carry = '';
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n <= 0) break;
        const text = carry + chunk.toString('latin1', 0, n);
        for (const m of text.matchAll(HASH_PART)) found.add(m[1]);
        carry = text.slice(-60);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Nix's canonical metadata: no write bits, exec bit kept from the owner's, mtime 1. */
export function canonicalise(path: string): void {
  const st = lstatSync(path);
  if (st.isDirectory()) {
    for (const e of readdirSync(path)) canonicalise(join(path, e));
    chmodSync(path, 0o555);
  } else if (st.isFile()) {
    chmodSync(path, st.mode & 0o100 ? 0o555 : 0o444);
  }
  lutimesSync(path, 1, 1);
}

export class StoreBuilder {
  readonly storeDir: string;
  readonly items = new Map<string, StoreItem>();
  private tmpCount = 0;

  /** `root` is the directory that becomes /nix (the store is root/store). */
  constructor(readonly root: string) {
    this.storeDir = join(root, 'store');
    mkdirSync(this.storeDir, { recursive: true });
  }

  /** Host location of a store path inside this tree. */
  real(storePath: string): string {
    if (!storePath.startsWith(`${STORE_DIR}/`)) throw new Error(`not a store path: ${storePath}`);
    return join(this.storeDir, storePath.slice(STORE_DIR.length + 1));
  }

  /** Adds a content-addressed item; `fill` writes its contents into the dir it is given. */
  addContentAddressed(name: string, fill: (dir: string) => void): StoreItem {
    const tmp = join(this.storeDir, `.tmp-${process.pid}-${this.tmpCount++}`);
    rmSync(tmp, { recursive: true, force: true });
    fill(tmp);
    canonicalise(tmp);
    const nar = narHash(tmp);
    const path = makeFixedOutputPath(nar.hex, name);
    const existing = this.items.get(path);
    if (existing) {
      rmSync(tmp, { recursive: true, force: true });
      return existing;
    }
    const refs = this.refsOf(tmp, path);
    if (refs.length) throw new Error(`content-addressed ${name} refers to store paths: ${refs.join(' ')}`);
    renameSync(tmp, this.real(path));
    const item: StoreItem = { path, name, nar, refs, contentAddressed: true };
    this.items.set(path, item);
    return item;
  }

  /** Adds an input-addressed item; `fill` gets (dir, its store path) and may refer to that path. */
  addInputAddressed(name: string, inputs: string, fill: (dir: string, path: string) => void): StoreItem {
    const path = makeInputAddressedPath(name, inputs);
    const existing = this.items.get(path);
    if (existing) return existing;
    const dir = this.real(path);
    rmSync(dir, { recursive: true, force: true });
    fill(dir, path);
    canonicalise(dir);
    const item: StoreItem = { path, name, nar: narHash(dir), refs: this.refsOf(dir, path), contentAddressed: false };
    this.items.set(path, item);
    return item;
  }

  private refsOf(dir: string, self: string): string[] {
    const hashes = new Set<string>();
    scanHashes(dir, hashes);
    const byHash = new Map([...this.items.keys(), self].map((p) => [p.slice(STORE_DIR.length + 1, STORE_DIR.length + 33), p]));
    const refs: string[] = [];
    for (const h of hashes) {
      const p = byHash.get(h); // unknown hashes (e.g. examples in Nix's help texts) are not references, as in Nix's own scan
      if (p) refs.push(p);
    }
    return refs.sort();
  }

  /** All items, in the format `nix-store --register-validity --hash-given` reads. */
  registrationInfo(): string {
    let s = '';
    for (const it of this.items.values()) {
      s += `${it.path}\nsha256:${it.nar.hex}\n${it.nar.size}\n\n${it.refs.length}\n`;
      for (const r of it.refs) s += `${r}\n`;
    }
    return s;
  }
}
