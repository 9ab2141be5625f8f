// Executing the selected cases on a pool of machines (onix/machine/pool.ts, the one pool every
// runner uses: each machine booted and snapshotted once and restored before each case; a
// machine without snapshots runs every case, one after another, as it is). Cases are queued in
// the order given (longest first, schedule.ts), results printed in document order as they
// complete; --fail-fast and Ctrl-C stop new cases from starting.

import { availableParallelism } from 'node:os';
import type { MachineIdentity } from '../../onix/machine/machine.ts';
import { type MachineMaker, MachinePool } from '../../onix/machine/pool.ts';
import { executeCase, uniformOutcome } from './execute.ts';
import type { CaseOutcome } from './outcome.ts';
import { renderCase } from './render/terminal.ts';
import { type SpecCase, SpecRunError } from './types.ts';

export type MachineFactory = MachineMaker;

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
  /** Indices of `cases` in the order to start them on machines with snapshots (default: document order; schedule.ts). */
  order?: readonly number[];
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

/**
 * Execute and validate `cases` (those in `broken` are reported as errors, not run).
 * @throws SpecRunError when the first machine cannot be made (an unknown target), before anything runs.
 */
export async function runCases(cases: SpecCase[], broken: ReadonlySet<string>, options: PoolOptions): Promise<PoolResult> {
  const { target, write, color } = options;
  const jobs = Math.max(1, Math.min(options.jobs ?? Math.min(4, availableParallelism()), cases.length || 1));
  const pool = new MachinePool({ target, create: options.make, size: jobs });
  const outcomes: (CaseOutcome | undefined)[] = new Array(cases.length);
  let printed = 0;
  let stop = false;
  const flush = () => {
    while (printed < cases.length && outcomes[printed]) write(renderCase(outcomes[printed++]!, color));
  };
  // The first machine is made up front, so that an unknown target is one clear error before anything runs.
  if (cases.some((c) => !broken.has(c.id))) {
    try {
      await pool.open();
    } catch (error) {
      throw new SpecRunError((error as Error).message.split('\n')[0]);
    }
    if (pool.note) write(`note: ${pool.note}\n`);
  }
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    stop = true;
    // Shutting the machines down ends running commands with a MachineError.
    void pool.close().catch(() => {});
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const runCase = async (c: SpecCase): Promise<CaseOutcome> => {
    if (broken.has(c.id)) return uniformOutcome(c, 'error', 'not run: the case has a spec error');
    const notStarted = () => uniformOutcome(c, 'skipped', interrupted ? 'not run (interrupted)' : 'not run (--fail-fast)');
    if (stop) return notStarted();
    try {
      const r = await pool.run(c.id, async (machine, signal) => (stop ? null : await executeCase(c, machine, target, options.env, signal)));
      return r.cancelled || !r.value ? notStarted() : r.value;
    } catch (error) {
      return uniformOutcome(c, 'error', `could not run: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  // One machine without snapshots runs the cases in document order, each seeing the ones before.
  const starts = pool.note || !options.order ? cases.map((_, i) => i) : options.order;
  try {
    await Promise.all(
      starts.map(async (i) => {
        const c = cases[i]!;
        const o = await runCase(c);
        outcomes[i] = o;
        if (options.failFast && (o.status === 'failed' || o.status === 'error')) stop = true;
        flush();
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
  const done = outcomes as CaseOutcome[];
  return { outcomes: done, identity: pool.identity ?? done.find((o) => o.machine)?.machine ?? null, interrupted };
}
