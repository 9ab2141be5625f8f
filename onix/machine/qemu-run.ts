// One QEMU process of the `vm` target, from its start to its exit: the process, its
// QMP connection, the agent connection, the boot files it was started with and when
// it started and answered. A reboot or a crash ends a run and the driver starts the
// next one; nothing of a run outlives it.
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { AgentConnection } from './agent-client.ts';
import type { BootFiles } from './boot-files.ts';
import { MachineError } from './machine.ts';
import { spawnGuarded } from './process-guard.ts';
import type { QemuPaths } from './qemu-command.ts';
import { QmpClient } from './qmp.ts';

export interface QemuRunOptions {
  /** QEMU binary. */
  qemu: string;
  args: string[];
  paths: QemuPaths;
  files: BootFiles;
  /** How long the agent may take to answer. */
  bootTimeoutMs: number;
  /** The console's last lines, for errors. */
  consoleTail: () => string;
  /** The guest said it is going down (agent-client.ts). */
  onGoingDown: (run: QemuRun) => void;
}

export class QemuRun {
  /** performance.now() when QEMU was started, and when the agent first answered. */
  readonly startedAt = performance.now();
  readyAt = 0;
  /** QEMU's last words (its stderr's tail). */
  stderr = '';
  /** Set when the driver stopped this run (shutdown, restore): nothing may restart it. */
  stopped = false;
  private gone = false;
  readonly exited: Promise<void>;
  private qmpClient: QmpClient | null = null;
  private agent: AgentConnection | null = null;

  private constructor(
    private readonly proc: ChildProcess,
    readonly files: BootFiles,
  ) {
    proc.stderr?.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-8000);
    });
    this.exited = new Promise<void>((resolve) => {
      proc.on('exit', () => {
        this.gone = true;
        this.agent?.fail('the VM stopped');
        this.qmpClient?.close();
        resolve();
      });
      proc.on('error', (e) => {
        this.gone = true;
        this.stderr += `\n${e.message}`;
        resolve();
      });
    });
  }

  /** Resolves once QMP and the agent are connected and the agent answered; on failure QEMU is stopped. */
  ready: Promise<void> = Promise.resolve();

  /**
   * Starts QEMU; `ready` says when it answers. The run exists from the start, so that
   * stopping the machine while it boots stops this QEMU too.
   */
  static start(o: QemuRunOptions): QemuRun {
    rmSync(o.paths.qmp, { force: true });
    rmSync(o.paths.agent, { force: true });
    const run = new QemuRun(spawnGuarded(o.qemu, o.args, { stdio: ['ignore', 'ignore', 'pipe'] }), o.files);
    run.ready = run.connect(o).catch(async (e: unknown) => {
      const err = e instanceof MachineError ? e : new MachineError(`vm: ${(e as Error).message}`, run.tail(o.consoleTail));
      await run.stop();
      throw err;
    });
    return run;
  }

  private tail(consoleTail: () => string): string {
    const err = this.stderr.trim() ? `\n[qemu stderr]\n${this.stderr.trim().slice(-1000)}` : '';
    return consoleTail() + err;
  }

  private async connect(o: QemuRunOptions): Promise<void> {
    const fail = (message: string) => new MachineError(`vm: ${message}`, this.tail(o.consoleTail));
    for (let i = 0; !(existsSync(o.paths.qmp) && existsSync(o.paths.agent)); i++) {
      if (this.gone) throw fail('QEMU exited while starting (is qemu-system-x86 installed?)');
      if (i > 500) throw fail('QEMU did not create its sockets within 10 s');
      await sleep(20);
    }
    // The socket files appear at bind(); connecting can still race QEMU's listen()
    // or find that QEMU gave up right after (then its stderr says why).
    const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (let i = 0; ; i++) {
        try {
          return await fn();
        } catch (e) {
          if (this.gone) throw fail('QEMU exited while starting');
          if (i > 200) throw fail(`cannot connect to ${what}: ${(e as Error).message}`);
          await sleep(50);
        }
      }
    };
    this.qmpClient = await retry('QMP', () => QmpClient.connect(o.paths.qmp));
    const sock = await retry('the agent socket', () => {
      const c = connect(o.paths.agent);
      return new Promise<Socket>((resolve, reject) => {
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      });
    });
    this.agent = new AgentConnection(sock, sock, { label: 'vm', consoleTail: () => this.tail(o.consoleTail), onGoingDown: () => o.onGoingDown(this) });
    if (this.gone) this.agent.fail('the VM stopped');
    // A QEMU loading a snapshot answers within a fraction of a second; a boot takes seconds.
    await this.agent.waitReady(o.bootTimeoutMs, o.args.includes('-loadvm') ? 100 : 500);
    this.readyAt = performance.now();
  }

  /** The agent connection (once `ready`). */
  get conn(): AgentConnection {
    if (!this.agent) throw new MachineError('vm: the machine is still starting');
    return this.agent;
  }

  /** Whether the agent is connected and its channel open. */
  get connected(): boolean {
    return this.agent !== null && !this.agent.closed;
  }

  get qmp(): QmpClient {
    return this.qmpClient!;
  }

  /** Whether QEMU has exited. */
  get down(): boolean {
    return this.gone;
  }

  /** Kills QEMU (if it still runs) and waits for it to exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.agent?.fail('the VM was stopped');
    this.qmpClient?.close();
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
