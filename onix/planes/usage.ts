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
}

/** Usage of the machine paths `dirs` under `root`, inodes shared between them counted once. */
export function diskUsage(root: string, dirs: string[]): Usage {
  const seen = new Set<string>();
  let bytes = 0;
  const walk = (path: string): void => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    bytes += st.blocks * 512;
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(`${path}/${name}`);
  };
  for (const dir of dirs) walk(hostPath(root, dir));
  return { bytes, inodes: seen.size };
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
