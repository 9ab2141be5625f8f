// Paths inside the root being inspected (`--root DIR`, default `/`). Every
// plane reads the machine through these helpers so `onix --root /mnt/x` sees
// /mnt/x as `/`: absolute symlink targets are resolved inside the root, the
// way they would be on the machine itself, never on the host.

import { lstatSync, readlinkSync } from 'node:fs';
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
 * Follows symlinks component by component, inside `root`. Components that do
 * not exist are kept lexically. Stops after 40 links (like the kernel's ELOOP).
 */
export function resolveInRoot(root: string, path: string): Resolved {
  let pending = normalizeAbsolute(path).split('/').filter(Boolean);
  const done: string[] = [];
  const via: string[] = [];
  let exists = true;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') { done.pop(); continue; }
    if (part === '.') continue;
    const current = '/' + [...done, part].join('/');
    if (!exists) { done.push(part); continue; }
    let isLink = false;
    try {
      isLink = lstatSync(hostPath(root, current)).isSymbolicLink();
    } catch {
      exists = false;
      done.push(part);
      continue;
    }
    if (!isLink) { done.push(part); continue; }
    if (++hops > 40) { exists = false; done.push(part); continue; }
    const target = readlinkSync(hostPath(root, current));
    via.push(`${current} -> ${target}`);
    const targetParts = target.split('/').filter(Boolean);
    if (target.startsWith('/')) done.length = 0;
    pending = [...targetParts, ...pending];
  }
  return { path: normalizeAbsolute('/' + done.join('/')), exists, via };
}
