// Executing the selected cases on a pool of machines, one case per machine at a time: each
// machine booted and snapshotted once and restored before each case (a machine without
// snapshots runs every case, one after another, as it is). Results are printed in document
// order as they complete; --fail-fast and Ctrl-C stop new cases from starting.

import { availableParallelism } from 'node:os';
import type { Machine, MachineIdentity } from '../../onix/machine/machine.ts';
import { executeCase, uniformOutcome } from './execute.ts';
import type { CaseOutcome } from './outcome.ts';
import { renderCase } from './render/terminal.ts';
import { type SpecCase, SpecRunError } from './types.ts';

export type MachineFactory = (target: string) => Machine | Promise<Machine>;

export interface PoolOptions {
  /** Machine target name. */
  target: string;
  /** Makes the machines. */
  make: MachineFactory;
  /** Cases run in parallel, one machine each (default: min(4, CPUs)). */
  jobs?: number;
  /** Stop starting new cases after the first failure; the rest are reported skipped (default: false). */
  failFast?: boolean;
  /** Extra environment for every session (default: none). */
  env?: Record<string, string>;
  /** Abort: running cases end as errors, no new case starts (default: none). */
  signal?: AbortSignal;
  color: boolean;
  write: (text: string) => void;
}

export interface PoolResult {
  /** One per case, in order. */
  outcomes: CaseOutcome[];
  /** The first machine that booted (null when none did). */
  identity: MachineIdentity | null;
  /** The run was aborted. */
  interrupted: boolean;
}

/** One machine per worker: booted and snapshotted once, restored before each case. */
class MachineSlot {
  private machine: Machine | null = null;
  private used = false;
  private booted = false;
  identity: MachineIdentity | null = null;
  constructor(
    private readonly make: MachineFactory,
    private readonly target: string,
    first: Machine | null = null,
  ) {
    this.machine = first;
  }

  async fresh(): Promise<Machine> {
    if (this.machine && this.used) {
      if (this.machine.capabilities.snapshot) await this.machine.restore('base');
      else {
        await this.machine.shutdown();
        this.machine = null;
        this.booted = false;
      }
    }
    if (!this.machine || !this.booted) {
      const m = this.machine ?? (await this.make(this.target));
      this.machine = m;
      this.booted = true;
      await m.boot();
      if (m.capabilities.snapshot) await m.snapshot('base');
      this.identity = await m.identity();
    }
    this.used = true;
    return this.machine;
  }

  async shutdown(): Promise<void> {
    await this.machine?.shutdown();
    this.machine = null;
  }
}

/**
 * Execute and validate `cases` (those in `broken` are reported as errors, not run).
 * @throws SpecRunError when the first machine cannot be made (an unknown target), before anything runs.
 */
export async function runCases(cases: SpecCase[], broken: ReadonlySet<string>, options: PoolOptions): Promise<PoolResult> {
  const { target, make, write, color } = options;
  let jobs = Math.max(1, Math.min(options.jobs ?? Math.min(4, availableParallelism()), cases.length || 1));
  const outcomes: (CaseOutcome | undefined)[] = new Array(cases.length);
  let next = 0;
  let printed = 0;
  let stop = false;
  const flush = () => {
    while (printed < cases.length && outcomes[printed]) write(renderCase(outcomes[printed++]!, color));
  };
  // The first machine is made up front, so that an unknown target is one clear error before anything runs.
  let first: Machine | null = null;
  if (cases.some((c) => !broken.has(c.id))) {
    try {
      first = await make(target);
    } catch (error) {
      throw new SpecRunError((error as Error).message.split('\n')[0]);
    }
    // No snapshots (ssh, local): one machine whose state carries over, so one case at a time.
    if (!first.capabilities.snapshot) {
      jobs = 1;
      write(`note: ${target} has no snapshots: cases run one after another on the machine as it is, each seeing what earlier ones changed\n`);
    }
  }
  const workers = Array.from({ length: jobs }, (_, i) => new MachineSlot(make, target, i === 0 ? first : null));
  let firstIdentity: MachineIdentity | null = null;
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    stop = true;
    // Shutting the machines down ends running commands with a MachineError.
    for (const w of workers) void w.shutdown().catch(() => {});
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const work = async (worker: MachineSlot) => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i];
      if (broken.has(c.id)) outcomes[i] = uniformOutcome(c, 'error', 'not run: the case has a spec error');
      else if (stop) outcomes[i] = uniformOutcome(c, 'skipped', interrupted ? 'not run (interrupted)' : 'not run (--fail-fast)');
      else {
        try {
          const machine = await worker.fresh();
          firstIdentity ??= worker.identity;
          outcomes[i] = await executeCase(c, machine, target, options.env);
        } catch (error) {
          outcomes[i] = uniformOutcome(c, 'error', `could not run: ${(error as Error).message.split('\n')[0]}`);
        }
        if (options.failFast && (outcomes[i]!.status === 'failed' || outcomes[i]!.status === 'error')) stop = true;
      }
      flush();
    }
  };
  try {
    await Promise.all(workers.map(work));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(workers.map((w) => w.shutdown()));
  }
  return { outcomes: outcomes as CaseOutcome[], identity: firstIdentity, interrupted };
}
