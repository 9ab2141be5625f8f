// onix owner PATH: the owning plane of a path, by the contract.
//
// Output (stable; the spec and scripts read it):
//   line 1: the owner, as the contract names it (`moss`, `Nix`, ...), or `unowned`
//   line 2: the reason from the contract (or why it is unowned)
//   line 3: `surface: <surface>` and, when symlinks were followed, `(via <link> -> <target>)`
// A path under a surface belongs to it as written (/run/opengl-driver/lib/x is
// the seam's even though it links into /usr). A path under no surface is
// followed through its symlinks inside the root: /bin/sh is /usr/bin/sh.
//
// A surface that is a kind of file (`onix owner 'setuid binaries'`) is answered from the
// machine: line 1 is the owners of the files found, by their paths (comma-separated, or
// `none`), line 4 `files: <n>: <paths>`; the exit status is 0 only when they are all the
// contract's owner.

import { CONTRACT, type ContractRow, filesRow, normalizeAbsolute, ownerOf } from '../contract.ts';
import { filesOwnership } from '../planes/files-owner.ts';
import { resolveInRoot } from '../planes/root-path.ts';
import { EXIT, OnixError } from './errors.ts';
import type { CommandContext } from './context.ts';

export async function owner(ctx: CommandContext): Promise<number> {
  const raw = ctx.args[0];
  const named = filesRow(raw, CONTRACT);
  if (named) return filesOwner(ctx, named);
  if (!raw.startsWith('/'))
    throw new OnixError(
      `owner: PATH must be absolute or a surface the contract names (${CONTRACT.filter((r) => r.files)
        .map((r) => JSON.stringify(r.surface))
        .join(', ')}), got ${JSON.stringify(raw)}`,
      EXIT.usage,
    );
  const path = normalizeAbsolute(raw);
  let row = ownerOf(path, CONTRACT);
  let via: string[] = [];
  let resolvedPath = path;
  if (!row) {
    const resolved = resolveInRoot(ctx.root, path);
    if (resolved.via.length > 0) {
      row = ownerOf(resolved.path, CONTRACT);
      via = resolved.via;
      resolvedPath = resolved.path;
    }
  }
  if (ctx.json) {
    ctx.print(
      JSON.stringify({ path, owner: row?.owner ?? null, reason: row?.reason ?? null, surface: row?.surface ?? null, resolved: resolvedPath, via }, null, 2) +
        '\n',
    );
  } else if (row) {
    ctx.print(`${row.owner}\n${row.reason}\nsurface: ${row.surface}${via.length ? ` (via ${via.join(', ')})` : ''}\n`);
  } else {
    ctx.print(`unowned\nno surface of the ownership contract covers ${path}\n`);
  }
  return row ? EXIT.ok : EXIT.failed;
}

/** A `files` row: its owners as found on the machine, by each file's path. */
function filesOwner(ctx: CommandContext, row: ContractRow): number {
  const found = filesOwnership(ctx.root, row, CONTRACT);
  const owner = found.owners.length ? found.owners.join(', ') : 'none';
  if (ctx.json) {
    ctx.print(`${JSON.stringify({ surface: row.surface, owner: found.owners.length ? owner : null, reason: row.reason, files: found.files }, null, 2)}\n`);
  } else {
    const shown = found.files.slice(0, 8).join(', ') + (found.files.length > 8 ? ', ...' : '');
    ctx.print(`${owner}\n${row.reason}\nsurface: ${row.surface}\nfiles: ${found.files.length}${found.files.length ? `: ${shown}` : ''}\n`);
  }
  return found.holds ? EXIT.ok : EXIT.failed;
}
