// Paths inside the root being inspected (`--root DIR`, default `/`). Every
// plane reads the machine through these helpers so `onix --root /mnt/x` sees
// /mnt/x as `/`: absolute symlink targets are resolved inside the root, the
// way they would be on the machine itself, never on the host.

import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { normalizeAbsolute } from '../contract.ts';

/** The host path of `path` (absolute on the machine) under `root`. */
export function hostPath(root: string, path: string): string {
  return root === '/' ? normalizeAbsolute(path) : join(root, normalizeAbsolute(path));
}

/** Result of resolving a machine path through its symlinks. */
export interface Resolved {
  /** The machine path after following every symlink (absolute, normalised). */
  path: string;
  /** True when every component exists. */
  exists: boolean;
  /** Links followed on the way, as `link -> target`. */
  via: string[];
}

/**
 * Resolves machine paths inside one root, component by component, the way the
 * kernel would on the machine. Each component it looks up (a link and its
 * target, a directory or file, or nothing) is remembered, so resolving many
 * paths that share a prefix (every link of the graphics bridge, every /etc
 * file) costs one lstat per distinct component. It sees the root as it was
 * when it first looked: make a new one after changing the root.
 */
export class RootResolver {
  /** Machine path -> link target, or true (exists, not a link), or false (missing). */
  private readonly seen = new Map<string, string | boolean>();
  private readonly prefix: string;

  constructor(readonly root: string) {
    this.prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  }

  private lookup(path: string): string | boolean {
    let known = this.seen.get(path);
    if (known === undefined) {
      // throwIfNoEntry: a missing path is an answer here, not an error worth a stack trace.
      try {
        const st = lstatSync(this.prefix + path, { throwIfNoEntry: false });
        known = !st ? false : st.isSymbolicLink() ? readlinkSync(this.prefix + path) : true;
      } catch {
        known = false; // ENOTDIR, EACCES: not reachable as a path, like a missing one
      }
      this.seen.set(path, known);
    }
    return known;
  }

  /**
   * Follows every symlink of `path`; components that do not exist are kept lexically. `..`
   * climbs from where the links before it led, as the kernel does (`/a/link/..` is the
   * link target's parent, not `/a`). Stops after 40 links (ELOOP).
   */
  resolve(path: string): Resolved {
    let pending = path.split('/').filter(Boolean);
    let current = '';
    const via: string[] = [];
    let exists = true;
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        current = current.slice(0, current.lastIndexOf('/'));
        continue;
      }
      if (part === '.') continue;
      const next = `${current}/${part}`;
      const known = exists ? this.lookup(next) : false;
      if (known === false) exists = false;
      if (typeof known !== 'string') {
        current = next;
        continue;
      }
      if (++hops > 40) {
        exists = false;
        current = next;
        continue;
      }
      via.push(`${next} -> ${known}`);
      if (known.startsWith('/')) current = '';
      pending = [...known.split('/').filter(Boolean), ...pending];
    }
    return { path: current || '/', exists, via };
  }
}

/** Resolves one machine path inside `root` (see RootResolver; use one of those for many paths). */
export function resolveInRoot(root: string, path: string): Resolved {
  return new RootResolver(root).resolve(path);
}

/**
 * Every entry below `dir` inside `root`, depth first, links not followed; a directory that
 * cannot be read is passed over. `visit` gets the entry's path inside the root and its lstat,
 * and returns 'skip' to not descend into a directory.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a visitor that returns nothing descends; only 'skip' is a value.
export function walkRoot(root: string, dir: string, visit: (path: string, st: Stats) => void | 'skip'): void {
  // Host paths are built by appending names (readdir gives no '/', '.' or '..'), not by
  // normalising each one: normalising was a tenth of `onix doctor` on the test machine.
  const walk = (machineDir: string, hostDir: string): void => {
    let names: string[];
    try {
      names = readdirSync(hostDir);
    } catch {
      return;
    }
    const hostBase = hostDir.endsWith('/') ? hostDir : `${hostDir}/`;
    for (const name of names) {
      const path = `${machineDir}/${name}`;
      const host = hostBase + name;
      const st = lstatSync(host);
      if (visit(path, st) !== 'skip' && st.isDirectory()) walk(path, host);
    }
  };
  walk(dir, hostPath(root, dir));
}
