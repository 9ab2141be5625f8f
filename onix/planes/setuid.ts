// The setuid and setgid files of a root: the contract's "setuid binaries" surface.
// Only moss can ship one: Nix cannot hold them, since it sets every file of a store path it
// registers to mode 0444 or 0555, clearing the setuid and setgid bits (NixOS/nix
// src/libstore/posix-fs-canonicalise.cc:18-29, `canonicaliseTimestampAndPermissions`, run on
// every file by `canonicalisePathMetaData_`). A setuid file under /nix/store, or in any place
// the contract gives another plane, breaks the row.
// A filesystem mounted nosuid is left out: the kernel ignores the bits there (mount(8),
// "nosuid: do not honor set-user-ID and set-group-ID bits"), so a file on it is no setuid
// binary, whoever made it (the test machine's /tmp and /run are nosuid, as is usual).
import { readFileSync } from 'node:fs';
import { walkRoot } from './root-path.ts';

/** Kernel filesystems: nothing there is a file a plane ships. */
const KERNEL_FILESYSTEMS = new Set(['/proc', '/sys', '/dev']);

/** A mount point field of /proc/self/mountinfo: space, tab, newline and backslash are octal escapes. */
function unescapeMountPoint(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * The machine paths (below `root`) of the mounts in `mountinfo` (proc(5) /proc/PID/mountinfo)
 * whose per-mount options hold nosuid. The root's own mount is not one of them: a machine
 * whose root is nosuid has no setuid binary to speak of, and says so by having none found.
 */
export function nosuidMountPoints(root: string, mountinfo: string): Set<string> {
  const prefix = root === '/' ? '' : root.replace(/\/+$/, '');
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6 || !fields[5].split(',').includes('nosuid')) continue;
    const point = unescapeMountPoint(fields[4]);
    const path = prefix === '' ? point : point.startsWith(`${prefix}/`) ? point.slice(prefix.length) : null;
    if (path && path !== '/') out.add(path);
  }
  return out;
}

function liveNosuidMountPoints(root: string): Set<string> {
  try {
    return nosuidMountPoints(root, readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return new Set(); // no /proc: every file is looked at
  }
}

/** Every regular file with the setuid or setgid bit below the root, sorted; nosuid mounts left out. */
export function setuidFiles(root: string, nosuid: Set<string> = liveNosuidMountPoints(root)): string[] {
  const out: string[] = [];
  walkRoot(root, '', (path, st) => {
    if (KERNEL_FILESYSTEMS.has(path) || nosuid.has(path)) return 'skip';
    if (st.isFile() && (st.mode & 0o6000) !== 0) out.push(path);
  });
  return out.sort();
}
