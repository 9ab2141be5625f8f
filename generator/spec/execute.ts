// Execution: one case on one machine that was just restored to its fresh state.
//
// - The blocks of a case run in order in one persistent session per user, so `cd`
//   and variables carry over. Blocks with another `user=` get their own session.
// - `reboot` alone on a `$ ` line is intercepted: machine.reboot(), every session
//   ends, the next command opens a new one (home directory, fresh variables: as a
//   person logging back in).
// - A command killed at its timeout ends the case: its output so far is validated,
//   the rest is "not run". A MachineError ("could not run") does the same.
// - A case that needs what the target cannot do is skipped with a reason.
// - `crash` alone on a `$ ` line is intercepted like `reboot`, with machine.crash()
//   (hard reset, no clean shutdown). Block option `artifacts=` copies files out of the
//   machine after the block ran (report `artifacts`).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import type { Machine, MachineCapabilities, Session } from '../../onix/machine/machine.ts';
import { contractCommand, validateRow } from './contract.ts';
import { substituteCaptures } from './match.ts';
import type { BlockOutcome, CaseOutcome, CommandObservation, CommandOutcome } from './outcome.ts';
import { worstStatus } from './outcome.ts';
import type { Capability, SpecCase, TranscriptBlock } from './types.ts';
import { blockOutcome, CaseValidator, notRun } from './validate.ts';

const CANNOT: Record<Capability, string> = { kernel: 'boot its own kernel', reboot: 'reboot', crash: 'crash' };

/** Why the case cannot run on a machine with these capabilities, or null. */
export function missingCapability(c: SpecCase, caps: MachineCapabilities, target: string): string | null {
  const missing = c.needs.find((need) => !caps[need]);
  return missing ? `target ${target} cannot ${CANNOT[missing]}` : null;
}

/** A case every block of which is reported with one status and message (skipped, not run). */
export function uniformOutcome(c: SpecCase, status: 'skipped' | 'error', message: string): CaseOutcome {
  return {
    spec: c,
    status,
    message,
    durationMs: 0,
    reboots: 0,
    machine: null,
    blocks: c.blocks.map((block) => ({ block, status, commands: [], captures: {}, diff: '', message, durationMs: 0 })),
  };
}

class Sessions {
  private readonly open = new Map<string, Session>();
  constructor(
    private readonly machine: Machine,
    private readonly env: Record<string, string> | undefined,
  ) {}
  async get(user: string | undefined): Promise<Session> {
    const key = user ?? '';
    let s = this.open.get(key);
    if (!s?.alive) {
      s = await this.machine.session({ ...(user ? { user } : {}), ...(this.env ? { env: this.env } : {}) });
      this.open.set(key, s);
    }
    return s;
  }
  /** After a reboot the old sessions are gone; forget them without talking to them. */
  forget(): void {
    this.open.clear();
  }
  async close(): Promise<void> {
    await Promise.allSettled([...this.open.values()].map((s) => s.close()));
    this.open.clear();
  }
}

/**
 * Run a case. The machine must be booted and fresh; `target` names it in messages. Once
 * `signal` aborts (a newer run of the case replaced this one), no further command starts.
 */
export async function executeCase(c: SpecCase, machine: Machine, target: string, env?: Record<string, string>, signal?: AbortSignal): Promise<CaseOutcome> {
  const started = performance.now();
  const skip = missingCapability(c, machine.capabilities, target);
  if (skip) return uniformOutcome(c, 'skipped', skip);
  // The machine's console log runs on from case to case; this case's part is what follows it
  // (all of the driver's tail when the log outgrew it).
  const consoleBefore = machine.consoleLog();
  const sessions = new Sessions(machine, env);
  const validator = new CaseValidator();
  const blocks: BlockOutcome[] = [];
  let stopped: string | null = null;
  let reboots = 0;
  const artifacts = new Map<string, string>();
  let artifactDir: string | undefined;
  try {
    for (const block of c.blocks) {
      const t0 = performance.now();
      if (block.kind === 'contract-row') {
        if (!stopped && signal?.aborted) stopped = 'not run: cancelled by a newer run of the case';
        if (stopped) {
          blocks.push({ block, status: 'error', commands: [], captures: {}, diff: '', message: stopped, durationMs: 0 });
          continue;
        }
        try {
          const session = await sessions.get(undefined);
          const r = await session.run(contractCommand(block));
          blocks.push(validateRow(block, { command: contractCommand(block), ...r }));
        } catch (error) {
          stopped = `not run: ${(error as Error).message}`;
          blocks.push({ block, status: 'error', commands: [], captures: {}, diff: '', message: (error as Error).message, durationMs: performance.now() - t0 });
        }
        continue;
      }
      if (block.options.skip) {
        const message = block.options.skipReason ?? 'skip option';
        blocks.push({ block, status: 'skipped', commands: [], captures: {}, diff: '', message, durationMs: 0 });
        continue;
      }
      const outcomes: CommandOutcome[] = [];
      for (const cmd of block.commands) {
        if (!stopped && signal?.aborted) stopped = 'not run: cancelled by a newer run of the case';
        if (stopped) {
          outcomes.push(notRun(cmd, stopped));
          continue;
        }
        const result = await runOne(block, cmd.command, cmd.reboot ? 'reboot' : cmd.crash ? 'crash' : null, machine, sessions, validator);
        if (result.kind === 'unbound') {
          // The line that binds it failed (that is the one failure) or its block was skipped: not a reason to stop.
          outcomes.push({
            ...notRun(cmd, `not run: capture {{${result.name}}} is not bound (the line that binds it did not match, or its block was skipped)`),
            unbound: result.name,
          });
          continue;
        }
        if (result.kind === 'error') {
          outcomes.push({ ...notRun(cmd, result.message), status: 'error' });
          stopped = `not run: ${result.message}`;
          continue;
        }
        if (result.obs.reboot) reboots++;
        const outcome = validator.command(block, cmd, result.obs);
        outcomes.push(outcome);
        if (result.obs.timedOut) stopped = `not run: an earlier command timed out`;
      }
      const done = blockOutcome(block, outcomes, performance.now() - t0);
      for (const path of stopped ? [] : (block.options.artifacts ?? [])) {
        try {
          artifactDir ??= mkdtempSync(join(tmpdir(), 'spec-artifacts-'));
          const host = join(artifactDir, basename(path));
          await machine.copyOut(path, host);
          artifacts.set(basename(path), host);
        } catch (error) {
          if (done.status === 'passed') done.status = 'failed';
          done.message = `artifact ${path} could not be copied out: ${(error as Error).message.split('\n')[0]}`;
        }
      }
      blocks.push(done);
    }
  } finally {
    await sessions.close();
  }
  let identity = null;
  try {
    identity = await machine.identity();
  } catch {
    identity = null;
  }
  const status = worstStatus(blocks.map((b) => b.status));
  const outcome: CaseOutcome = { spec: c, status, blocks, durationMs: performance.now() - started, reboots, machine: identity };
  if (artifacts.size) outcome.artifacts = artifacts;
  // Every case keeps its console log: the site's run page shows it for passed cases too.
  const log = machine.consoleLog();
  const own = log.startsWith(consoleBefore) ? log.slice(consoleBefore.length) : log;
  if (own) outcome.consoleLog = own;
  if (status === 'failed' || status === 'error') outcome.message = blocks.find((b) => b.status === status)?.message;
  return outcome;
}

type RunOne = { kind: 'ran'; obs: CommandObservation } | { kind: 'unbound'; name: string } | { kind: 'error'; message: string };

async function runOne(
  block: TranscriptBlock,
  written: string,
  restart: 'reboot' | 'crash' | null,
  machine: Machine,
  sessions: Sessions,
  validator: CaseValidator,
): Promise<RunOne> {
  try {
    if (restart) {
      const t0 = performance.now();
      sessions.forget();
      if (restart === 'crash') await machine.crash();
      else await machine.reboot();
      return { kind: 'ran', obs: { command: restart, stdout: '', stderr: '', status: 0, timedOut: false, durationMs: performance.now() - t0, reboot: true } };
    }
    const { text, unbound } = substituteCaptures(written, validator.captures);
    if (unbound.length) return { kind: 'unbound', name: unbound[0] };
    const session = await sessions.get(block.options.user);
    // Merged (the default): one pipe for both streams, so the lines come in the order they were written.
    const r = await session.run(text, { timeoutMs: Math.round(block.options.timeoutSec * 1000), mergeStderr: !block.options.stderrSeparate });
    const obs: CommandObservation = { command: text, stdout: r.stdout, stderr: r.stderr, status: r.status, timedOut: r.timedOut, durationMs: r.durationMs };
    if (!block.options.stderrSeparate) obs.merged = true;
    if (r.bytes) obs.bytes = r.bytes;
    return { kind: 'ran', obs };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message.split('\n')[0] };
  }
}
