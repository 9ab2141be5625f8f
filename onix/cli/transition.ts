// A machine-plane transition through moss (rollback: `state activate`,
// update: `sync`), measured: which planes moved is read from the machine
// before and after, and "/nix: untouched" is printed only when the Nix plane's
// fingerprint (store paths, database, profiles and generations, gcroots,
// daemon socket) is identical before and after.
//
// Test hook: ONIX_FAULT=after-moss makes onix SIGKILL itself right after moss
// returned and before anything is re-read or reported, to show that an
// interrupted onix leaves the root in exactly one consistent state (moss did
// the whole transaction or none of it; onix itself writes nothing).

import { createHash } from 'node:crypto';
import { entryFor, firstLine, mesaVersion, readMachine, type MachineView } from '../planes/machine.ts';
import { runMoss } from '../planes/moss-run.ts';
import { readBridge, seamSnapshot } from '../planes/seam.ts';
import { diffFingerprint, fingerprintNix } from '../planes/nix-fingerprint.ts';
import { EXIT, OnixError } from './errors.ts';
import { field, type CommandContext } from './context.ts';

/** A fingerprint of the seam's surfaces as written: bridge links, its stamp, /etc overrides. */
function seamFingerprint(root: string): string {
  return createHash('sha256')
    .update(JSON.stringify(seamSnapshot(root)))
    .digest('hex');
}

export interface TransitionReport {
  planes: string[];
  from: number;
  to: number;
  nix: 'untouched' | 'changed';
  nixChanges: string[];
  bootEntry: string | null;
  reboot: boolean;
  mesa: { from: string | null; to: string | null };
}

/** Runs `moss ARGS`, then reports. `expect` checks the new active id (throws OnixError when wrong). */
export async function transition(
  ctx: CommandContext,
  mossArgs: string[],
  what: string,
  expect: (before: MachineView, after: MachineView) => void,
): Promise<number> {
  const before = readMachine(ctx.root);
  const nixBefore = fingerprintNix(ctx.root);
  const seamBefore = seamFingerprint(ctx.root);
  const run = runMoss({ moss: ctx.moss, root: ctx.root }, mossArgs, ctx.env);
  if (ctx.env.ONIX_FAULT === 'after-moss') process.kill(process.pid, 'SIGKILL');
  const after = readMachine(ctx.root);
  if (run.status !== 0) {
    const why = firstLine(run.stderr) || firstLine(run.stdout) || `exit ${run.status}`;
    const state = after.activeId === before.activeId ? `nothing changed, active fstx is still ${after.activeId}` : `active fstx is now ${after.activeId}`;
    throw new OnixError(`${what} failed: ${why} (${state})`, EXIT.failed);
  }
  expect(before, after);
  const nixChanges = diffFingerprint(nixBefore, fingerprintNix(ctx.root));
  const planes: string[] = [];
  if (after.activeId !== before.activeId) planes.push('machine');
  if (seamFingerprint(ctx.root) !== seamBefore) planes.push('seam');
  if (nixChanges.length > 0) planes.push('toolbox');
  const entry = entryFor(after, after.activeId);
  const bootedNow = after.bootedId ?? readBridge(ctx.root, after.activeId).builtFor ?? before.activeId;
  const report: TransitionReport = {
    planes,
    from: before.activeId,
    to: after.activeId,
    nix: nixChanges.length === 0 ? 'untouched' : 'changed',
    nixChanges,
    bootEntry: entry?.file ?? null,
    reboot: after.activeId !== bootedNow,
    mesa: { from: mesaVersion(ctx.root, before.activeId), to: mesaVersion(ctx.root, after.activeId) },
  };
  if (ctx.json) {
    ctx.print(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const lines = [
      field('plane', planes.length ? planes.join(', ') : 'none'),
      field('/nix', report.nix === 'untouched' ? 'untouched' : `CHANGED: ${nixChanges.join('; ')}`),
      field('fstx', report.from === report.to ? `${report.to} (unchanged)` : `${report.from} -> ${report.to}`),
      field(
        'boot entry',
        entry
          ? after.defaultEntry === entry.file
            ? `${entry.file} (default)`
            : `${entry.file} (not the default: ${after.defaultEntry ?? 'none'})`
          : `none (no entry has moss.fstx=${after.activeId})`,
      ),
    ];
    if (report.mesa.from !== report.mesa.to) lines.push(field('mesa', `${report.mesa.from ?? 'unknown'} -> ${report.mesa.to ?? 'unknown'}`));
    lines.push(field('reboot', report.reboot ? `needed: the kernel and the graphics bridge are still those of fstx ${bootedNow}` : 'not needed'));
    ctx.print(`${lines.join('\n')}\n`);
  }
  if (nixChanges.length > 0) {
    process.stderr.write(`onix: /nix changed during the ${what}: ${nixChanges.join('; ')}\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
