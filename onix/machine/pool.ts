// A warm pool of machines of one target, shared by every caller that runs cases one after
// another: `npm run spec` (one round), `npm run spec -- --watch` and `npm run dev -- --spec`
// (a round per save).
//
//  - A machine is booted once, snapshotted as "base" right after boot, and kept; before each
//    job after its first it is restored from that snapshot (350 ms on the VM, less in the
//    sandbox with its standby). A `warm` pool restores as soon as a job ends instead, so the
//    next job (the next save) finds the machine fresh and costs only its own time.
//  - Jobs queue (first in, first out) and go to whichever machine is free; up to `size`
//    machines are booted, one job each at a time.
//  - Jobs have a key (a case id): a newer job with the key of a queued one takes its place, a
//    newer job with the key of a running one cancels it. Cancelling aborts the job's signal
//    (the job stops before its next command) and, on a machine with snapshots, restores it at
//    once, which ends the command that is running (every driver's restore drops its sessions).
//  - A machine without snapshots (ssh) is one machine, one job at a time, never restored: each
//    job sees what earlier ones changed (`note` says so, for the screen).
//  - `recycle()` shuts machines down once they are idle, so the next job boots a new one (the
//    image's inputs changed); `close()` cancels what is queued and shuts every machine down.
//
// Killed runs leave nothing: machine processes die with their owner (process-guard.ts) and the
// next start sweeps their working directories (onix/leftovers.ts).

import { type Machine, MachineError, type MachineCapabilities, type MachineIdentity } from './machine.ts';

/** Makes a machine of a target; nothing starts until its boot(). */
export type MachineMaker = (target: string) => Machine | Promise<Machine>;

export interface MachinePoolOptions {
  /** Target name, passed to `create` and shown in notes. */
  target: string;
  /** Makes the machines. */
  create: MachineMaker;
  /** Machines booted at most at once (default: 1; always 1 for a machine without snapshots). */
  size?: number;
  /**
   * Restore a machine as soon as its job ends, not when the next one starts, so a job that
   * comes later (a save) finds it fresh (default: false: a one-off run would only wait for a
   * restore nobody uses before it shuts down).
   */
  warm?: boolean;
}

/** A job's work on a machine restored for it; stop soon after `signal` aborts (the result is dropped). */
export type PoolJob<T> = (machine: Machine, signal: AbortSignal) => Promise<T>;

/** What became of a job: its value, or cancelled by a newer job with its key (or by close()). */
export type PoolResult<T> = { cancelled: false; value: T } | { cancelled: true };

interface Entry {
  key: string;
  job: PoolJob<unknown>;
  controller: AbortController;
  resolve(result: PoolResult<unknown>): void;
  reject(error: unknown): void;
}

/** One machine of the pool and what it is doing. */
class Slot {
  machine: Machine | null;
  private booted = false;
  private used = false;
  /** Shut down before the next job (recycle()). */
  stale = false;
  running: Entry | null = null;
  identity: MachineIdentity | null = null;
  /** Machine operations (restores) in order: a cancel's restore and the next job's never overlap. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: MachinePool,
    first: Machine | null,
  ) {
    this.machine = first;
  }

  private serial(op: () => Promise<void>): Promise<void> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => {});
    return next;
  }

  /** The machine in its fresh state: booted and snapshotted the first time, restored after. */
  fresh(): Promise<Machine> {
    return this.serial(async () => {
      if (this.machine && this.stale) await this.drop();
      if (this.machine && this.used) {
        if (this.machine.capabilities.snapshot) await this.machine.restore('base');
        else await this.drop(); // local, ssh: a new connection (local: a new home) per job
      }
      if (!this.machine || !this.booted) {
        const m = this.machine ?? (await this.pool.make());
        this.machine = m;
        try {
          await m.boot();
          if (m.capabilities.snapshot) await m.snapshot('base');
          this.identity = await m.identity();
        } catch (error) {
          await this.drop();
          throw error;
        }
        this.booted = true;
      }
      this.used = true;
    }).then(() => this.machine!);
  }

  /**
   * After a job: restore now, in the background, so the machine waits fresh for the next job
   * (a save in watch mode then costs the case's own time, not the restore too).
   */
  settle(): void {
    const m = this.machine;
    if (!m?.capabilities.snapshot || !this.booted || this.stale) return;
    void this.serial(async () => {
      if (this.machine !== m || !this.used) return;
      await m.restore('base');
      this.used = false;
    }).catch(() => {
      this.stale = true; // restore failed: boot a new machine for the next job
    });
  }

  /** End the running job's command at once by restoring the machine (it is restored again before the next job). */
  interrupt(): void {
    const m = this.machine;
    if (!m?.capabilities.snapshot || !this.booted) return;
    void this.serial(() => m.restore('base')).catch(() => {
      this.stale = true; // restore failed: boot a new machine for the next job
    });
  }

  async drop(): Promise<void> {
    const m = this.machine;
    this.machine = null;
    this.booted = false;
    this.used = false;
    this.stale = false;
    await m?.shutdown();
  }

  shutdown(): Promise<void> {
    return this.serial(() => this.drop());
  }
}

export class MachinePool {
  readonly target: string;
  private readonly maker: MachineMaker;
  private size: number;
  private readonly warm: boolean;
  private readonly slots: Slot[] = [];
  private readonly queue: Entry[] = [];
  private capabilitiesKnown: MachineCapabilities | null = null;
  private closed = false;

  constructor(options: MachinePoolOptions) {
    this.target = options.target;
    this.maker = options.create;
    this.size = Math.max(1, options.size ?? 1);
    this.warm = options.warm ?? false;
  }

  /** Make a machine (internal to the pool's slots). */
  async make(): Promise<Machine> {
    const m = await this.maker(this.target);
    this.capabilitiesKnown ??= m.capabilities;
    return m;
  }

  /**
   * Make the first machine now, without booting it, so that an unknown target is an error
   * before anything is queued; returns what the target can do. Idempotent.
   */
  async open(): Promise<MachineCapabilities> {
    if (this.capabilitiesKnown && this.slots.length) return this.capabilitiesKnown;
    const first = await this.make();
    if (!first.capabilities.snapshot) this.size = 1;
    this.slots.push(new Slot(this, first));
    return first.capabilities;
  }

  /** What the target can do, once open() or a job made a machine; else null. */
  get capabilities(): MachineCapabilities | null {
    return this.capabilitiesKnown;
  }

  /** What a user should know about how this target runs cases, or null (machines with snapshots). */
  get note(): string | null {
    if (!this.capabilitiesKnown || this.capabilitiesKnown.snapshot) return null;
    return `${this.target} has no snapshots: cases run one at a time on the machine as it is, without a restore, each seeing what earlier ones changed`;
  }

  /** Who the first booted machine is, or null before any booted. */
  get identity(): MachineIdentity | null {
    return this.slots.find((s) => s.identity)?.identity ?? null;
  }

  /** Jobs waiting and running. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.running).length;
  }

  /** Run `job` on a fresh machine when one is free. A newer job with the same key cancels this one. */
  run<T>(key: string, job: PoolJob<T>): Promise<PoolResult<T>> {
    if (this.closed) return Promise.reject(new MachineError(`${this.target}: the machine pool is closed`));
    this.cancel(key);
    return new Promise<PoolResult<T>>((resolve, reject) => {
      this.queue.push({ key, job, controller: new AbortController(), resolve: resolve as Entry['resolve'], reject });
      this.dispatch();
    });
  }

  /** Cancel the queued or running job with `key`, if any. */
  cancel(key: string): void {
    const queued = this.queue.findIndex((e) => e.key === key);
    if (queued >= 0) {
      const [e] = this.queue.splice(queued, 1);
      e!.controller.abort();
      e!.resolve({ cancelled: true });
    }
    for (const slot of this.slots) {
      if (slot.running?.key !== key || slot.running.controller.signal.aborted) continue;
      slot.running.controller.abort();
      slot.interrupt();
    }
  }

  /** Shut every machine down as soon as it is idle; the next job boots a new one (e.g. the image changed). */
  recycle(): void {
    for (const slot of this.slots) {
      slot.stale = true;
      if (!slot.running) void slot.shutdown().catch(() => {});
    }
  }

  /**
   * Cancel queued jobs and shut every machine down (running jobs end with a MachineError).
   * Idempotent. Every machine is shut down even when one fails to; the failures are returned
   * (one line each) for the caller to show, since a machine left running or a directory left
   * behind is the user's to know about.
   */
  async close(): Promise<string[]> {
    this.closed = true;
    for (const e of this.queue.splice(0)) {
      e.controller.abort();
      e.resolve({ cancelled: true });
    }
    const settled = await Promise.allSettled(this.slots.map((s) => s.shutdown()));
    return settled.flatMap((r) => (r.status === 'rejected' ? [`${this.target}: shutting down failed: ${(r.reason as Error).message}`] : []));
  }

  private dispatch(): void {
    while (this.queue.length && !this.closed) {
      let slot = this.slots.find((s) => !s.running);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = new Slot(this, null);
        this.slots.push(slot);
      }
      const entry = this.queue.shift()!;
      slot.running = entry;
      void this.runOn(slot, entry);
    }
  }

  private async runOn(slot: Slot, entry: Entry): Promise<void> {
    const signal = entry.controller.signal;
    try {
      const machine = await slot.fresh();
      if (signal.aborted) entry.resolve({ cancelled: true });
      else {
        const value = await entry.job(machine, signal);
        entry.resolve(signal.aborted ? { cancelled: true } : { cancelled: false, value });
      }
    } catch (error) {
      if (signal.aborted) entry.resolve({ cancelled: true });
      else entry.reject(error);
    } finally {
      slot.running = null;
      if (slot.stale && !this.closed) await slot.shutdown().catch(() => {});
      else if (this.warm && !this.closed) slot.settle();
      this.dispatch();
    }
  }
}
