// The ownership contract: which plane owns which surface of an ONIX machine.
// This is the ONE place the contract lives. `onix owner`, `onix contract` and
// `onix doctor` read it; the site's contract table is checked against it by
// the spec (each row against `onix owner <surface>` on the machine).
// Rows and wording are the seed's (onix-os.com), plus /usr/lib/modules, which the seed
// implies (moss owns the kernel; its modules come only from moss, never from Nix).

/** One row of the contract table. */
export interface ContractRow {
  /** An absolute path; it owns itself and everything below it. */
  surface: string;
  /** The owning plane's name as the table prints it. */
  owner: string;
  /** Why that plane owns it, in the table's words. */
  reason: string;
}

export const CONTRACT: readonly ContractRow[] = Object.freeze([
  { surface: '/usr', owner: 'moss', reason: 'stateless machine payload' },
  { surface: '/.moss', owner: 'moss', reason: 'content store and transaction history' },
  { surface: '/boot', owner: 'moss', reason: 'kernel, initrd, BLS entries' },
  { surface: '/usr/lib/modules', owner: 'moss', reason: 'kernel modules, only from moss' },
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
    if (isUnder(path, row.surface) && (!best || row.surface.length > best.surface.length)) best = row;
  }
  return best;
}
