// onix owner PATH: the owning plane of a path, by the contract.
//
// Output (stable; the spec and scripts read it):
//   line 1: the owner, as the contract names it (`moss`, `Nix`, ...), or `unowned`
//   line 2: the reason from the contract (or why it is unowned)
//   line 3: `surface: <surface>` and, when symlinks were followed, `(via <link> -> <target>)`
// A path under a surface belongs to it as written (/run/opengl-driver/lib/x is
// the seam's even though it links into /usr). A path under no surface is
// followed through its symlinks inside the root: /bin/sh is /usr/bin/sh.

import { CONTRACT, normalizeAbsolute, ownerOf } from '../contract.ts';
import { resolveInRoot } from '../planes/root-path.ts';
import { EXIT, OnixError } from './errors.ts';
import type { CommandContext } from './context.ts';

export async function owner(ctx: CommandContext): Promise<number> {
  const raw = ctx.args[0];
  if (!raw.startsWith('/')) throw new OnixError(`owner: PATH must be absolute, got ${JSON.stringify(raw)}`, EXIT.usage);
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
