// The `local` target: the host itself, for spec self-tests and plain commands.
// The agent runs on the host over stdio; every session's HOME and starting
// directory is the machine's temp dir. restore = a fresh temp dir (a copy of the
// snapshot's, when one was taken). No kernel, no reboot, no crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { AgentConnection } from './agent-client.ts';
import { agentBundle } from './agent-bundle.ts';
import { MachineError, type Machine, type MachineCapabilities, type MachineIdentity, type Session, type SessionOptions } from './machine.ts';

export interface LocalMachineOptions {
  /** Shell for sessions (default: /bin/sh, not a login shell: the host's profile is not part of the test). */
  shell?: string;
  /** Default per-command timeout in ms (default: 60_000). */
  defaultTimeoutMs?: number;
}

export class LocalMachine implements Machine {
  readonly capabilities: MachineCapabilities = { kernel: false, reboot: false, snapshot: true, crash: false };
  private agent: ChildProcess | null = null;
  private conn: AgentConnection | null = null;
  private booting: Promise<void> | null = null;
  private home: string | null = null;
  private readonly snapshots = new Map<string, string>();
  private stderrTail = '';

  constructor(private readonly options: LocalMachineOptions = {}) {}

  /** The current temp dir that is HOME and cwd of every session (null before boot). */
  get homeDir(): string | null {
    return this.home;
  }

  boot(): Promise<void> {
    this.booting ??= this.start().catch((e: unknown) => {
      this.booting = null;
      throw e;
    });
    return this.booting;
  }

  private async start(): Promise<void> {
    const bundle = await agentBundle();
    this.home = mkdtempSync(join(tmpdir(), 'onix-local-'));
    const child = spawn(process.execPath, [bundle], { cwd: this.home, stdio: ['pipe', 'pipe', 'pipe'] });
    this.agent = child;
    child.stderr!.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-4000);
    });
    const conn = new AgentConnection(child.stdout!, child.stdin!, { label: 'local', endIsFatal: false, consoleTail: () => this.stderrTail });
    child.on('exit', (code, signal) => conn.fail(`the local agent exited (${signal ?? code})`));
    child.on('error', (e) => conn.fail(`cannot start the local agent: ${e.message}`));
    this.conn = conn;
    await conn.waitReady(15_000);
  }

  private connection(): AgentConnection {
    if (!this.conn || this.conn.closed) throw new MachineError('local: the machine is not running (call boot first)', this.stderrTail);
    return this.conn;
  }

  async identity(): Promise<MachineIdentity> {
    return { target: 'local', imageId: null, fstx: null, host: `local ${userInfo().username}@${hostname()}` };
  }

  async session(options: SessionOptions = {}): Promise<Session> {
    await this.boot();
    const me = userInfo().username;
    if (options.user !== undefined && options.user !== me) {
      throw new MachineError(`local: cannot open a session as ${options.user}: the local target only runs as ${me}`);
    }
    const home = this.home!;
    return this.connection().open(
      {
        shell: this.options.shell ?? '/bin/sh',
        login: false,
        cwd: options.cwd ?? home,
        env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: process.env.TMPDIR ?? '/tmp', ...(options.env ?? {}) },
      },
      this.options.defaultTimeoutMs,
    );
  }

  async reboot(): Promise<void> {
    throw new MachineError('local: the host cannot be rebooted by the spec (use --target vm or sandbox)');
  }

  async crash(): Promise<void> {
    throw new MachineError('local: the host cannot be crashed by the spec (use --target vm)');
  }

  async snapshot(name = 'base'): Promise<void> {
    await this.boot();
    const copy = mkdtempSync(join(tmpdir(), 'onix-local-snap-'));
    cpSync(this.home!, copy, { recursive: true, verbatimSymlinks: true });
    const old = this.snapshots.get(name);
    if (old) rmSync(old, { recursive: true, force: true });
    this.snapshots.set(name, copy);
  }

  async restore(name = 'base'): Promise<void> {
    await this.boot();
    const snap = this.snapshots.get(name);
    if (!snap && name !== 'base') throw new MachineError(`local: no snapshot named ${name}`);
    await this.connection().closeSessions();
    const old = this.home!;
    this.home = mkdtempSync(join(tmpdir(), 'onix-local-'));
    if (snap) cpSync(snap, this.home, { recursive: true, verbatimSymlinks: true });
    rmSync(old, { recursive: true, force: true });
  }

  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    await this.boot();
    await this.connection().copyOut(machinePath.startsWith('/') ? machinePath : join(this.home!, machinePath), hostPath);
  }

  async shutdown(): Promise<void> {
    const child = this.agent;
    this.agent = null;
    this.booting = null;
    if (this.conn) {
      this.conn.fail('the machine was shut down');
      this.conn = null;
    }
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin?.end(); // the agent ends its sessions and exits on EOF
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
    for (const dir of [this.home, ...this.snapshots.values()]) if (dir) rmSync(dir, { recursive: true, force: true });
    this.home = null;
    this.snapshots.clear();
  }

  consoleLog(): string {
    return this.stderrTail;
  }
}
