// onix rollback [--to ID]: activate the previous (or given) machine state
// through `moss state activate`, then report measured (see transition.ts):
//   plane:       machine
//   /nix:        untouched
//   fstx:        3 -> 2
//   boot entry:  onix-2.conf (default)
//   mesa:        25.0.7 -> 22.3.6
//   reboot:      needed: the kernel and the graphics bridge are still those of fstx 3

import { parseStateId, readMachine } from '../planes/machine.ts';
import { EXIT, OnixError } from './errors.ts';
import type { CommandContext } from './context.ts';
import { transition } from './transition.ts';

/** The state to roll back to: --to ID, else the newest archived state older than the active one. */
function chooseTarget(ctx: CommandContext): number {
  const m = readMachine(ctx.root);
  const to = ctx.options.to;
  if (typeof to === 'string') {
    const id = parseStateId(to);
    if (id === null) throw new OnixError(`rollback: --to needs a state id (a positive integer), got ${JSON.stringify(to)}`, EXIT.usage);
    if (!m.states.some((s) => s.id === id))
      throw new OnixError(`rollback: no state ${id} (states: ${m.states.map((s) => s.id).join(', ') || 'none'})`, EXIT.refused);
    if (id === m.activeId) throw new OnixError(`rollback: state ${id} is already active`, EXIT.refused);
    if (!m.archivedIds.includes(id))
      throw new OnixError(`rollback: state ${id} has no archived tree (/.moss/root/${id}/usr); it cannot be activated`, EXIT.refused);
    return id;
  }
  const earlier = m.archivedIds.filter((id) => id < m.activeId && m.states.some((s) => s.id === id));
  if (earlier.length === 0)
    throw new OnixError(`rollback: no earlier state to roll back to (active fstx ${m.activeId} is the oldest with a tree)`, EXIT.refused);
  return earlier[earlier.length - 1];
}

export async function rollback(ctx: CommandContext): Promise<number> {
  const target = chooseTarget(ctx);
  return transition(ctx, ['state', 'activate', String(target)], 'rollback', (_before, after) => {
    if (after.activeId !== target) throw new OnixError(`rollback: moss reported success but /usr/.stateID is ${after.activeId}, not ${target}`, EXIT.failed);
  });
}
