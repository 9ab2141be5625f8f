// Disk usage of a tree counted by unique inode, the way space is actually
// freed: a file hard-linked from several states (moss) or deduplicated into
// /nix/store/.links (Nix) counts once, and only goes away with its last link.

import { lstatSync, readdirSync } from 'node:fs';
import { hostPath } from './root-path.ts';

export interface Usage {
  /** Allocated bytes (st_blocks * 512) of the unique inodes. */
  bytes: number;
  /** Unique inodes (files, links and directories). */
  inodes: number;
  /** Allocated bytes of each unique inode, by `dev:ino`. */
  byInode: Map<string, number>;
}

/** Usage of the machine paths `dirs` under `root`, inodes shared between them counted once. */
export function diskUsage(root: string, dirs: string[]): Usage {
  const byInode = new Map<string, number>();
  let bytes = 0;
  const walk = (path: string): void => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (byInode.has(key)) return;
    byInode.set(key, st.blocks * 512);
    bytes += st.blocks * 512;
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(`${path}/${name}`);
  };
  for (const dir of dirs) walk(hostPath(root, dir));
  return { bytes, inodes: byInode.size, byInode };
}

/**
 * What a deletion freed: the allocated bytes of the inodes in `before` that are gone in
 * `after`. Not the difference of the totals: a tool rewriting its database while it deletes
 * (moss, nix) would count as freeing less, or a negative amount when nothing was deleted.
 */
export function freedBytes(before: Usage, after: Usage): number {
  let freed = 0;
  for (const [key, size] of before.byInode) if (!after.byInode.has(key)) freed += size;
  return freed;
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
