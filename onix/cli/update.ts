// onix update: `moss sync`, then the same measured report as rollback: the
// new fstx, the /nix check, and that a reboot is pending.

import { EXIT, OnixError } from './errors.ts';
import type { CommandContext } from './context.ts';
import { transition } from './transition.ts';

export async function update(ctx: CommandContext): Promise<number> {
  return transition(ctx, ['sync'], 'update', (before, after) => {
    if (after.activeId < before.activeId)
      throw new OnixError(`update: moss sync moved the machine back from fstx ${before.activeId} to ${after.activeId}`, EXIT.failed);
  });
}
