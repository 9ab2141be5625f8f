// onix contract: the ownership table, as text (a GFM table, the site's shape) or JSON.

import { CONTRACT } from '../contract.ts';
import { EXIT } from './errors.ts';
import type { CommandContext } from './context.ts';

export async function contract(ctx: CommandContext): Promise<number> {
  if (ctx.json) {
    ctx.print(`${JSON.stringify(CONTRACT, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['Surface', 'Owner', 'Reason'], ...CONTRACT.map((r) => [r.surface, r.owner, r.reason])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  ctx.print(`${[line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n')}\n`);
  return EXIT.ok;
}
