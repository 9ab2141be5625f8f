// onix doctor: every invariant of the contract and the seam, one line each:
//   ok    /usr  moss: active fstx 3 is a state in /.moss/db/state
//   FAIL  nix daemon  down: /nix/var/nix/daemon-socket/socket: no socket
//         fix: start it: ...
// then `N checks, all passed` or `K of N checks failed`; exit 1 when any failed.

import { runInvariants } from '../planes/invariants.ts';
import { EXIT } from './errors.ts';
import type { CommandContext } from './context.ts';

export async function doctor(ctx: CommandContext): Promise<number> {
  const checks = await runInvariants(ctx.root, { nix: ctx.nix, root: ctx.root });
  const failed = checks.filter((c) => !c.ok);
  if (ctx.json) {
    ctx.print(`${JSON.stringify({ root: ctx.root, checks, failed: failed.length }, null, 2)}\n`);
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const lines: string[] = [];
    for (const c of checks) {
      lines.push(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
      if (!c.ok && c.fix) lines.push(`      ${' '.repeat(width)}  fix: ${c.fix}`);
    }
    lines.push('', failed.length === 0 ? `${checks.length} checks, all passed` : `${failed.length} of ${checks.length} checks failed`);
    ctx.print(`${lines.join('\n')}\n`);
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}
