// The `ssh://user@host[:port]` target: a real machine (an ONIX laptop or VM) over
// ssh. The far side runs `onix-agent` (on PATH on an ONIX machine: the onix-cli
// stone carries Node) and the ssh channel carries the agent protocol on stdio.
// reboot runs `reboot` there and waits until the host answers again with a new
// boot id; snapshot, restore and crash are not possible and say so.
import { spawn, type ChildProcess } from 'node:child_process';
import { AgentConnection } from './agent-client.ts';
import { MachineError, type Machine, type MachineCapabilities, type MachineIdentity, type Session, type SessionOptions } from './machine.ts';
import { activeFstx, loginSession, runOnce } from './session-helpers.ts';

export interface SshMachineOptions {
  /** Extra ssh arguments, e.g. ["-i", key, "-o", "UserKnownHostsFile=..."] (default: none). */
  sshArgs?: string[];
  /** Command that starts the agent on the far side (default: "onix-agent"). */
  agentCommand?: string;
  /** Working directory of sessions (default: the user's home). */
  cwd?: string;
  /** How long connecting, and coming back after a reboot, may take in ms (default: 300_000 for reboots, 30_000 to connect). */
  rebootTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Default per-command timeout in ms (default: 60_000). */
  defaultTimeoutMs?: number;
}

export interface SshTarget {
  user: string | null;
  host: string;
  port: number | null;
}

/** Parses `ssh://[user@]host[:port]`; null when it is not one. */
export function parseSshTarget(target: string): SshTarget | null {
  const m = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(target);
  if (!m) return null;
  return { user: m[1] ?? null, host: m[2].replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : null };
}

export class SshMachine implements Machine {
  readonly capabilities: MachineCapabilities = { kernel: true, reboot: true, snapshot: false, crash: false };
  private proc: ChildProcess | null = null;
  private conn: AgentConnection | null = null;
  private booting: Promise<void> | null = null;
  private stderr = '';

  constructor(
    private readonly target: SshTarget,
    private readonly options: SshMachineOptions = {},
  ) {}

  private get label(): string {
    return `${this.target.user ? `${this.target.user}@` : ''}${this.target.host}${this.target.port ? `:${this.target.port}` : ''}`;
  }

  consoleLog(): string {
    return this.stderr;
  }

  private error(message: string): MachineError {
    return new MachineError(`ssh ${this.label}: ${message}`, this.stderr.slice(-3000));
  }

  private sshArgv(): string[] {
    const t = this.target;
    return [
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      `ConnectTimeout=${Math.ceil((this.options.connectTimeoutMs ?? 30_000) / 1000)}`,
      ...(t.port ? ['-p', String(t.port)] : []),
      ...(this.options.sshArgs ?? []),
      t.user ? `${t.user}@${t.host}` : t.host,
      this.options.agentCommand ?? 'onix-agent',
    ];
  }

  boot(): Promise<void> {
    this.booting ??= this.connect(this.options.connectTimeoutMs ?? 30_000).catch((e: unknown) => {
      this.booting = null;
      throw e;
    });
    return this.booting;
  }

  private async connect(timeoutMs: number): Promise<void> {
    const proc = spawn('ssh', this.sshArgv(), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-16_000);
    });
    const conn = new AgentConnection(proc.stdout!, proc.stdin!, { label: `ssh ${this.label}`, endIsFatal: false, consoleTail: () => this.stderr.slice(-3000) });
    this.conn = conn;
    proc.on('exit', (code) => {
      const hint = code === 127 || /not found/.test(this.stderr) ? ` (is ${this.options.agentCommand ?? 'onix-agent'} on PATH there?)` : '';
      conn.fail(`ssh exited with status ${code}${hint}`);
    });
    proc.on('error', (e) => conn.fail(`cannot run ssh: ${e.message}`));
    await conn.waitReady(timeoutMs, 2000);
  }

  private connection(): AgentConnection {
    if (!this.conn || this.conn.closed) throw this.error('not connected (call boot first)');
    return this.conn;
  }

  private async bootId(): Promise<string> {
    return (await runOnce(this, 'cat /proc/sys/kernel/random/boot_id', { timeoutMs: 30_000 })).stdout.trim();
  }

  async identity(): Promise<MachineIdentity> {
    return { target: 'ssh', imageId: null, fstx: await activeFstx(this), host: `ssh ${this.label}` };
  }

  async session(options: SessionOptions = {}): Promise<Session> {
    await this.boot();
    return loginSession(this.connection(), { ...options, cwd: options.cwd ?? this.options.cwd }, this.options.defaultTimeoutMs);
  }

  async reboot(): Promise<void> {
    await this.boot();
    const before = await this.bootId();
    const conn = this.connection();
    const s = await conn.open({ login: false, shell: '/bin/sh' });
    // Wait for `reboot` to answer (it returns once init has the request) or for the
    // connection to drop: cutting ssh off at once could lose the request unsent.
    await s.run('reboot', { timeoutMs: 30_000 }).catch(() => {});
    const deadline = Date.now() + (this.options.rebootTimeoutMs ?? 300_000);
    this.disconnect();
    for (;;) {
      if (Date.now() > deadline) throw this.error('the host did not come back after reboot');
      await new Promise((r) => setTimeout(r, 3000));
      try {
        this.booting = this.connect(15_000);
        await this.booting;
        if ((await this.bootId()) !== before) return;
      } catch {
        // not back yet
      }
      this.disconnect();
    }
  }

  async crash(): Promise<void> {
    throw this.error('crash (hard reset) is not possible over ssh');
  }

  async snapshot(): Promise<void> {
    throw this.error('snapshots are not supported over ssh (use --target vm or sandbox)');
  }

  async restore(): Promise<void> {
    throw this.error('snapshots are not supported over ssh (use --target vm or sandbox)');
  }

  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    await this.boot();
    await this.connection().copyOut(machinePath, hostPath);
  }

  private disconnect(): void {
    this.booting = null;
    this.conn?.fail('disconnected');
    this.conn = null;
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    this.proc = null;
  }

  async shutdown(): Promise<void> {
    // Closing stdin makes the far agent end its sessions and exit.
    const proc = this.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.stdin?.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    this.disconnect();
  }
}
