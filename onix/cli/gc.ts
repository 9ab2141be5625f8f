// onix gc [--keep N] [--dry-run]: `moss state prune -k N`, then `nix store gc`,
// in that order, under a lock, never pruning the active or the booted state,
// stopping before Nix when moss failed. Each plane's freed space is measured
// (the unique inodes that went away), not taken from the tools' words:
//   moss:        pruned 2 states (1, 2), freed 48 KiB
//   nix:         deleted 1 store path, freed 8.0 KiB
//   kept:        fstx 3 (active 3)

import { firstLine, readMachine, requireExecutable, type MachineView } from '../planes/machine.ts';
import { runMoss } from '../planes/moss-run.ts';
import { hostPath } from '../planes/root-path.ts';
import { pingDaemonSocket } from '../planes/nix-daemon-socket.ts';
import { nixDeadPaths, nixStoreGc } from '../planes/toolbox.ts';
import { diskUsage, formatBytes, freedBytes } from '../planes/usage.ts';
import { acquireLock } from './lock.ts';
import { EXIT, OnixError } from './errors.ts';
import { field, type CommandContext } from './context.ts';

/** Where the gc lock lives, inside the root (a tmpfs on a booted machine). */
export const GC_LOCK = '/run/onix/gc.lock';
const DEFAULT_KEEP = 10;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The states `moss state prune -k keep` removes, by upstream's rule (os-tools
 * moss/src/client/prune.rs:64-90): of the states older than the active one (lower id),
 * the `keep - 1` created most recently stay and the rest go; newer states are untouched.
 */
export function planPrune(m: MachineView, keep: number): { doomed: number[]; kept: number[] } {
  const ids = m.states.map((s) => s.id);
  const doomed = olderNewestFirst(m)
    .slice(Math.max(0, keep - 1))
    .sort((a, b) => a - b);
  return { doomed, kept: ids.filter((id) => !doomed.includes(id)) };
}

/** States older than the active one, newest created first. */
function olderNewestFirst(m: MachineView): number[] {
  return m.states
    .filter((s) => s.id < m.activeId)
    .sort((a, b) => b.created - a.created || b.id - a.id)
    .map((s) => s.id);
}

/**
 * Upstream prune does not spare the booted state. Returns the --keep that would spare it
 * when `keep` does not, else null.
 */
export function keepForBooted(m: MachineView, keep: number): number | null {
  if (m.bootedId === null || m.bootedId === m.activeId) return null;
  const rank = olderNewestFirst(m).indexOf(m.bootedId);
  return rank === -1 || rank < keep - 1 ? null : rank + 2;
}

function keptLine(m: MachineView, kept: number[]): string {
  const notes = [`active ${m.activeId}`, ...(m.bootedId !== null && m.bootedId !== m.activeId ? [`booted ${m.bootedId}`] : [])];
  return `fstx ${kept.join(', ')} (${notes.join(', ')})`;
}

export async function gc(ctx: CommandContext): Promise<number> {
  const keepArg = ctx.options.keep;
  const keep = typeof keepArg === 'string' ? Number(keepArg) : DEFAULT_KEEP;
  if (!Number.isInteger(keep) || keep < 1 || (typeof keepArg === 'string' && !/^[0-9]+$/.test(keepArg))) {
    throw new OnixError(`gc: --keep needs a whole number of at least 1, got ${JSON.stringify(keepArg)}`, EXIT.usage);
  }
  const dryRun = ctx.options['dry-run'] === true;
  const m = readMachine(ctx.root);

  // Preflight: everything both steps need, before either changes anything.
  requireExecutable(ctx.moss, 'moss', 'install moss, or pass --moss PATH or set ONIX_MOSS');
  requireExecutable(ctx.nix, 'nix', 'pass --nix PATH or set ONIX_NIX');
  const daemon = await pingDaemonSocket(ctx.root);
  if (!daemon.healthy) throw new OnixError(`gc: the nix daemon is down (${daemon.detail}); start it first. Nothing was pruned`, EXIT.tool);
  const plan = planPrune(m, keep);
  const needed = keepForBooted(m, keep);
  if (needed !== null) {
    throw new OnixError(
      `gc: moss state prune -k ${keep} would reach state ${m.bootedId}, which the machine booted; reboot into the active state ${m.activeId} first, or pass --keep ${needed}. Nothing was pruned`,
      EXIT.refused,
    );
  }
  if (m.bootedId !== null && m.bootedId !== m.activeId && !m.archivedIds.includes(m.bootedId)) {
    throw new OnixError(
      `gc: the booted state ${m.bootedId} has no tree left; reboot into the active state ${m.activeId} first. Nothing was pruned`,
      EXIT.refused,
    );
  }

  if (dryRun) {
    const dead = await nixDeadPaths({ nix: ctx.nix, root: ctx.root });
    const deadUsage = diskUsage(
      ctx.root,
      dead.map((p) => `/nix/store/${p}`),
    );
    const result = { dryRun: true, moss: { prune: plan.doomed, kept: plan.kept }, nix: { delete: dead, bytes: deadUsage.bytes } };
    if (ctx.json) ctx.print(`${JSON.stringify(result, null, 2)}\n`);
    else
      ctx.print(
        `${[
          field('moss', `would prune ${plural(plan.doomed.length, 'state', 'states')}${plan.doomed.length ? ` (${plan.doomed.join(', ')})` : ''}`),
          field('nix', `would delete ${plural(dead.length, 'store path', 'store paths')} (${formatBytes(deadUsage.bytes)})`),
          field('kept', keptLine(m, plan.kept)),
        ].join('\n')}\n`,
      );
    return EXIT.ok;
  }

  const release = acquireLock(hostPath(ctx.root, GC_LOCK), 'onix gc');
  try {
    if (ctx.env.ONIX_FAULT === 'gc-locked') await new Promise((r) => setTimeout(r, Number(ctx.env.ONIX_FAULT_MS ?? 3000)));
    const mossBefore = diskUsage(ctx.root, ['/.moss', '/boot']);
    const run = runMoss({ moss: ctx.moss, root: ctx.root }, ['state', 'prune', '-k', String(keep)], ctx.env);
    if (run.status !== 0) {
      throw new OnixError(
        `gc: moss state prune failed: ${firstLine(run.stderr) || firstLine(run.stdout) || `exit ${run.status}`}; stopped before nix store gc`,
        EXIT.failed,
      );
    }
    const after = readMachine(ctx.root);
    if (after.activeId !== m.activeId)
      throw new OnixError(
        `gc: the active state changed during moss state prune (${m.activeId} -> ${after.activeId}); stopped before nix store gc`,
        EXIT.failed,
      );
    if (m.bootedId !== null && m.bootedId !== m.activeId && !after.archivedIds.includes(m.bootedId)) {
      throw new OnixError(`gc: moss state prune removed the booted state ${m.bootedId}; stopped before nix store gc`, EXIT.failed);
    }
    const pruned = m.states.map((s) => s.id).filter((id) => !after.states.some((s) => s.id === id));
    const mossFreed = freedBytes(mossBefore, diskUsage(ctx.root, ['/.moss', '/boot']));
    const mossLine = field(
      'moss',
      `pruned ${plural(pruned.length, 'state', 'states')}${pruned.length ? ` (${pruned.join(', ')})` : ''}, freed ${formatBytes(mossFreed)}`,
    );

    const nixBefore = diskUsage(ctx.root, ['/nix/store']);
    let nixResult;
    try {
      nixResult = await nixStoreGc({ nix: ctx.nix, root: ctx.root });
    } catch (error) {
      if (!ctx.json) ctx.print(`${mossLine}\n`);
      throw error;
    }
    const nixFreed = freedBytes(nixBefore, diskUsage(ctx.root, ['/nix/store']));
    const kept = after.states.map((s) => s.id);
    if (ctx.json) {
      ctx.print(
        `${JSON.stringify(
          {
            dryRun: false,
            moss: { pruned, freedBytes: mossFreed, kept },
            nix: { deleted: nixResult.deleted, freedBytes: nixFreed, summary: nixResult.summary },
          },
          null,
          2,
        )}\n`,
      );
    } else {
      ctx.print(
        `${[
          mossLine,
          field('nix', `deleted ${plural(nixResult.deleted.length, 'store path', 'store paths')}, freed ${formatBytes(nixFreed)}`),
          field('kept', keptLine(after, kept)),
        ].join('\n')}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    release();
  }
}
