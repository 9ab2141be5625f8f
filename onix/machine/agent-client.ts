// The host side of the onix-agent protocol (protocol.ts): one connection over any
// pair of byte streams, and the Session objects every driver hands out.
import { randomBytes } from 'node:crypto';
import { writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { MachineError, type RunOptions, type RunResult, type Session, type SessionOptions } from './machine.ts';
import { encodeFrame, FrameReader, type Reply } from './agent/protocol.ts';

/** Extra time the agent gets beyond a command's own timeout before the host gives up on it. */
const AGENT_GRACE_MS = 15_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const READ_CHUNK = 4 << 20;

export interface AgentConnectionOptions {
  /** The console tail to attach to errors (default: none). */
  consoleTail?: () => string;
  /** Written into error messages, e.g. "vm" (default: "agent"). */
  label?: string;
  /**
   * Fail the connection when the input stream ends or a stream errors (default: true).
   * Drivers whose channel is a child process pass false and fail it from the
   * process's exit event, which knows the exit status.
   */
  endIsFatal?: boolean;
  /** Called when the machine says it is going down to reboot (the `going-down` event). */
  onGoingDown?: () => void;
}

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void };

export class AgentConnection {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closedError: MachineError | null = null;
  private readyWaiters: Array<() => void> = [];
  private readonly sessions = new Set<AgentSession>();

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly options: AgentConnectionOptions = {},
  ) {
    const reader = new FrameReader((frame) => this.onFrame(frame));
    input.on('data', (b: Buffer) => reader.push(b));
    input.on('end', () => {
      if (options.endIsFatal !== false) this.fail('the machine closed the agent channel');
    });
    // A child process's pipes break as it exits (EPIPE on a write races the exit event);
    // its driver fails the connection from the exit event, which knows the status.
    const broken = (e: Error): void => {
      if (options.endIsFatal !== false) this.fail(`agent channel error: ${e.message}`);
    };
    input.on('error', broken);
    output.on('error', broken);
  }

  error(message: string): MachineError {
    return new MachineError(`${this.options.label ?? 'agent'}: ${message}`, this.options.consoleTail?.() ?? '');
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  private onFrame(frame: Record<string, unknown>): void {
    if (frame.t === 'ready') {
      for (const w of this.readyWaiters.splice(0)) w();
      return;
    }
    if (frame.t === 'going-down') {
      this.options.onGoingDown?.();
      return;
    }
    if (typeof frame.id !== 'number') return;
    const p = this.pending.get(frame.id);
    if (!p) return; // a reply to a request from before a resync
    this.pending.delete(frame.id);
    p.resolve(frame as Reply);
  }

  /** Marks the channel dead: every pending and future request fails with MachineError. */
  fail(message: string): void {
    if (this.closedError) return;
    this.closedError = this.error(message);
    for (const p of this.pending.values()) p.reject(this.closedError);
    this.pending.clear();
    for (const s of this.sessions) s.markDead();
    for (const w of this.readyWaiters.splice(0)) w();
  }

  /** Sends one request; resolves with the reply (ok or not), rejects if the channel dies or the time runs out. */
  request(body: Record<string, unknown>, timeoutMs = 30_000): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = ++this.nextId;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.error(`no answer to ${String(body.op)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.output.write(encodeFrame({ id, ...body }));
    });
  }

  /** Like request, but an `ok:false` reply becomes a MachineError. */
  async call(body: Record<string, unknown>, timeoutMs?: number): Promise<Reply> {
    const r = await this.request(body, timeoutMs);
    if (!r.ok) throw this.error(`${String(body.op)} failed: ${r.error ?? 'unknown error'}`);
    return r;
  }

  /**
   * Waits until the agent answers a `ping` carrying a fresh nonce; anything older on
   * the channel (replies from before a VM's loadvm, half frames) is discarded. A ping
   * goes out every `everyMs` (and at once when the ready sentinel arrives); a late
   * answer to any of them counts.
   */
  async waitReady(timeoutMs: number, everyMs = 250): Promise<void> {
    if (this.closedError) throw this.closedError;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearInterval(timer);
        clearTimeout(deadline);
        const i = this.readyWaiters.indexOf(onReady);
        if (i >= 0) this.readyWaiters.splice(i, 1);
        if (err) reject(err);
        else resolve();
      };
      const ping = (): void => {
        if (this.closedError) {
          finish(this.closedError);
          return;
        }
        const nonce = randomBytes(8).toString('hex');
        const p = this.request({ op: 'ping', nonce }, timeoutMs);

        p.then(
          (r) => {
            if (r.ok && r.nonce === nonce) finish();
          },
          (e: Error) => {
            if (this.closedError) finish(e);
          },
        );
      };
      const onReady = (): void => {
        if (this.closedError) {
          finish(this.closedError);
          return;
        }
        this.readyWaiters.push(onReady);
        ping();
      };
      const timer = setInterval(ping, everyMs);
      const deadline = setTimeout(() => finish(this.error(`the agent did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiters.push(onReady);
      ping();
    });
  }

  async open(options: SessionOptions & { login?: boolean; shell?: string }, defaultTimeoutMs = DEFAULT_TIMEOUT_MS): Promise<AgentSession> {
    const r = await this.call({ op: 'open', ...options }, 60_000);
    const s = new AgentSession(this, String(r.session), defaultTimeoutMs);
    this.sessions.add(s);
    return s;
  }

  forget(s: AgentSession): void {
    this.sessions.delete(s);
  }

  /** Ends every open session on the agent (before a restore or snapshot). */
  async closeSessions(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close().catch(() => {})));
  }

  /** Marks every session dead without talking to the agent (it is gone or was rewound). */
  dropSessions(): void {
    for (const s of this.sessions) s.markDead();
    this.sessions.clear();
  }

  /** Copies a file from the machine, in chunks. */
  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    writeFileSync(hostPath, '');
    const fd = openSync(hostPath, 'w');
    try {
      for (let offset = 0; ; ) {
        const r = await this.call({ op: 'read', path: machinePath, offset, length: READ_CHUNK }, 120_000);
        const data = Buffer.from(String(r.data), 'base64');
        writeSync(fd, data);
        offset += data.length;
        if (r.eof || data.length === 0) break;
      }
    } finally {
      closeSync(fd);
    }
  }

  async sync(): Promise<void> {
    await this.call({ op: 'sync' }, 120_000);
  }
}

export class AgentSession implements Session {
  private dead = false;

  constructor(
    private readonly conn: AgentConnection,
    readonly id: string,
    private readonly defaultTimeoutMs: number,
  ) {}

  get alive(): boolean {
    return !this.dead && !this.conn.closed;
  }

  markDead(): void {
    this.dead = true;
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    if (!this.alive) throw this.conn.error('the session has ended');
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const t0 = performance.now();
    const body: Record<string, unknown> = { op: 'run', session: this.id, command, timeoutMs };
    if (options.stdin !== undefined) body.stdin = Buffer.from(options.stdin).toString('base64');
    if (options.mergeStderr) body.merge = true;
    const r = await this.conn.request(body, timeoutMs + AGENT_GRACE_MS);
    if (!r.ok) {
      this.dead = true;
      throw this.conn.error(`run failed: ${r.error ?? 'unknown error'}`);
    }
    if (r.alive === false) {
      this.dead = true;
      this.conn.forget(this);
    }
    const stdout = Buffer.from(String(r.stdout), 'base64');
    const stderr = Buffer.from(String(r.stderr), 'base64');
    return {
      stdout: stdout.toString('utf8'),
      stderr: stderr.toString('utf8'),
      bytes: { stdout, stderr },
      status: Number(r.status),
      timedOut: Boolean(r.timedOut),
      durationMs: performance.now() - t0,
    };
  }

  /** Sends a signal to the running command, e.g. SIGINT for Ctrl-C. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    await this.conn.request({ op: 'signal', session: this.id, signal }, 5_000).catch(() => {});
  }

  async close(): Promise<void> {
    this.conn.forget(this);
    if (!this.alive) return;
    this.dead = true;
    await this.conn.request({ op: 'close', session: this.id }, 10_000).catch(() => {});
  }
}
