// The setuid and setgid files of a root: the contract's "setuid binaries" surface.
// Only moss can ship one: Nix cannot hold them, since it sets every file of a store path it
// registers to mode 0444 or 0555, clearing the setuid and setgid bits (NixOS/nix
// src/libstore/posix-fs-canonicalise.cc:18-29, `canonicaliseTimestampAndPermissions`, run on
// every file by `canonicalisePathMetaData_`). A setuid file under /nix/store, or in any place
// the contract gives another plane, breaks the row.
import { walkRoot } from './root-path.ts';

/** Kernel filesystems: nothing there is a file a plane ships. */
const KERNEL_FILESYSTEMS = new Set(['/proc', '/sys', '/dev']);

/** Every regular file with the setuid or setgid bit below the root, sorted. */
export function setuidFiles(root: string): string[] {
  const out: string[] = [];
  walkRoot(root, '', (path, st) => {
    if (KERNEL_FILESYSTEMS.has(path)) return 'skip';
    if (st.isFile() && (st.mode & 0o6000) !== 0) out.push(path);
  });
  return out.sort();
}
