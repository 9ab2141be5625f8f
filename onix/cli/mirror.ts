// onix mirror [DIR] | onix mirror --verify [DIR]: snapshot the stones the machine's states
// use, and moss's repository index, into DIR (default /persist/mirror); or check such a
// snapshot against its SHA256SUMS. See onix/mirror/.
import { resolve } from 'node:path';
import { verifyMirror } from '../mirror/verify.ts';
import { writeMirror } from '../mirror/write.ts';
import type { CommandContext } from './context.ts';
import { EXIT } from './errors.ts';

/** Where ONIX's plan keeps the mirror. */
export const DEFAULT_MIRROR = '/persist/mirror';

const MiB = 2 ** 20;

export async function mirror(ctx: CommandContext): Promise<number> {
  const dir = resolve(ctx.args[0] ?? DEFAULT_MIRROR);
  if (ctx.options.verify) {
    const check = verifyMirror(dir);
    if (ctx.json) ctx.print(`${JSON.stringify({ dir, ...check }, null, 2)}\n`);
    else {
      for (const p of check.problems) ctx.print(`${p}\n`);
      ctx.print(
        check.problems.length === 0
          ? `${dir}: ${check.checked} files match SHA256SUMS\n`
          : `${dir}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}\n`,
      );
    }
    return check.problems.length === 0 ? EXIT.ok : EXIT.failed;
  }
  const r = writeMirror(ctx.root, dir);
  if (ctx.json) ctx.print(`${JSON.stringify(r, null, 2)}\n`);
  else {
    const copied = r.stones.filter((s) => s.copied).length;
    ctx.print(`${r.stones.length} stones (${(r.bytes / MiB).toFixed(1)} MiB; ${copied} copied, ${r.stones.length - copied} already there) and stone.index\n`);
    if (r.removed.length) ctx.print(`removed ${r.removed.length} no longer used: ${r.removed.join(', ')}\n`);
    ctx.print(`mirror: ${dir} (check it with onix mirror --verify)\n`);
  }
  return EXIT.ok;
}
