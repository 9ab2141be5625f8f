// The ownership contract: which plane owns which surface of an ONIX machine.
// This is the ONE place the contract lives. `onix owner`, `onix contract` and
// `onix doctor` read it; the site's contract table is checked against it by
// the spec (each row against `onix owner <surface>` on the machine).
// Rows and wording are the seed's (onix-os.com), plus what ONIX.md lists and the seed
// implies: /usr/lib/modules (moss owns the kernel; its modules come only from moss, never
// from Nix), the EFI system partition at /efi (where moss's blsforme puts the boot loader)
// and the setuid binaries (Nix cannot hold them: it strips setuid bits from its store).

/** One row of the contract table. */
export interface ContractRow {
  /**
   * An absolute path, which owns itself and everything below it; or, for a row with
   * `files`, the name of a set of files found on the machine (not a path).
   */
  surface: string;
  /** The owning plane's name as the table prints it. */
  owner: string;
  /** Why that plane owns it, in the table's words. */
  reason: string;
  /**
   * The row is a kind of file wherever it lies, not a path (default: a path row).
   * 'setuid': regular files with the setuid or setgid bit (onix/planes/setuid.ts). Such a
   * row owns nothing by path; its files' owners are those of their paths, and the row
   * holds when every one is the row's owner.
   */
  files?: 'setuid';
}

export const CONTRACT: readonly ContractRow[] = Object.freeze([
  { surface: '/usr', owner: 'moss', reason: 'stateless machine payload' },
  { surface: '/.moss', owner: 'moss', reason: 'content store and transaction history' },
  { surface: '/boot', owner: 'moss', reason: 'kernel, initrd, BLS entries' },
  { surface: '/efi', owner: 'moss', reason: 'EFI system partition, the boot loader' },
  { surface: '/usr/lib/modules', owner: 'moss', reason: 'kernel modules, only from moss' },
  { surface: 'setuid binaries', owner: 'moss', reason: 'setuid and setgid files, only from moss', files: 'setuid' },
  { surface: '/etc/nix', owner: 'onix-nix-integration', reason: 'declared defaults, no installer drift' },
  { surface: '/nix', owner: 'Nix', reason: 'persistent store, daemon, profiles' },
  { surface: '/run/opengl-driver', owner: 'ONIX seam', reason: 'host graphics bridge for Nix apps' },
]);

/** Lexically normalises an absolute path: collapses `//`, `.` and `..`, drops a trailing `/`. */
export function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** True when `path` is `surface` or lies below it (`/usrx` is not below `/usr`). */
export function isUnder(path: string, surface: string): boolean {
  return surface === '/' || path === surface || path.startsWith(`${surface}/`);
}

/**
 * The row owning an absolute, normalised path: the longest surface that is a
 * prefix of it by whole components. `undefined` when no surface covers it.
 */
export function ownerOf(path: string, contract: readonly ContractRow[] = CONTRACT): ContractRow | undefined {
  let best: ContractRow | undefined;
  for (const row of contract) {
    if (!row.files && isUnder(path, row.surface) && (!best || row.surface.length > best.surface.length)) best = row;
  }
  return best;
}

/** The row named `name` that covers a kind of file (`files`), if any. */
export function filesRow(name: string, contract: readonly ContractRow[] = CONTRACT): ContractRow | undefined {
  return contract.find((r) => r.files && r.surface === name);
}
