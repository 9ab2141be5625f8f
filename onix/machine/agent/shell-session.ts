// One persistent shell, driven the way the NixOS test driver drives its guest
// shell: each command is written to the shell's stdin, so `cd`, variables and
// functions carry over between commands. The framing is described once, with the
// wire protocol, in protocol.ts ("The shell session"); in short:
//
//   fd 0  the script the agent writes          fd 3  the command's stdout (CMD_OUT_FD)
//   fd 1  the shell's own stdout (discarded)   fd 4  the command's stderr (CMD_ERR_FD)
//   fd 2  the shell's own stderr (kept for errors at start-up)
//
// A run is complete when the end marker has been read on both fd 3 and fd 4.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PINNED_ENV } from '../machine.ts';
import { CMD_ERR_FD, CMD_OUT_FD, runScript } from './protocol.ts';
import { killSession, signalCommand } from './processes.ts';
import { lookupUser } from './users.ts';

export interface ShellOptions {
  user?: string;
  cwd?: string;
  env?: Record<string, string>;
  login?: boolean;
  shell?: string;
}

export interface ShellRunResult {
  stdout: Buffer;
  stderr: Buffer;
  status: number;
  timedOut: boolean;
  alive: boolean;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** How much of the shell's own stderr is kept, to explain a shell that did not start. */
const NOISE_KEPT = 4096;

/** A growing byte buffer that finds a marker without rescanning what it already scanned. */
class Pipe {
  chunks: Buffer[] = [];
  length = 0;
  private scanned = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  private flat(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
  /** Index of `marker` followed by a newline, with the line's text after the marker; null if not there yet. */
  find(marker: Buffer): { at: number; rest: string; end: number } | null {
    if (this.length === 0) return null;
    const all = this.flat();
    const at = all.indexOf(marker, Math.max(0, this.scanned - marker.length));
    if (at < 0) {
      this.scanned = all.length;
      return null;
    }
    const nl = all.indexOf(10, at + marker.length);
    if (nl < 0) return null;
    return { at, rest: all.subarray(at + marker.length, nl).toString('latin1'), end: nl + 1 };
  }
  /** Removes and returns bytes [0, at), dropping through `end`. */
  take(at: number, end: number): Buffer {
    const all = this.flat();
    const out = Buffer.from(all.subarray(0, at));
    const left = all.subarray(end);
    this.chunks = left.length ? [Buffer.from(left)] : [];
    this.length = left.length;
    this.scanned = 0;
    return out;
  }
  takeAll(): Buffer {
    const out = this.flat();
    this.chunks = [];
    this.length = 0;
    this.scanned = 0;
    return Buffer.from(out);
  }
}

type ShellChild = ChildProcessByStdio<Writable, Readable, Readable>;

export class ShellSession {
  private readonly child: ShellChild;
  private noise = '';
  private readonly mark = `__ONIX_${randomBytes(8).toString('hex')}_`;
  private readonly out = new Pipe();
  private readonly err = new Pipe();
  private counter = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private wake: (() => void) | null = null;
  private tmp: string | null = null;
  private readonly uid: number;
  private readonly gid: number;

  private constructor(options: ShellOptions) {
    const user = lookupUser(options.user);
    const shell = options.shell ?? user.shell;
    this.uid = user.uid;
    this.gid = user.gid;
    const env: Record<string, string> = {
      HOME: user.home,
      USER: user.name,
      LOGNAME: user.name,
      SHELL: shell,
      PATH: DEFAULT_PATH,
      ...PINNED_ENV,
      ...(options.env ?? {}),
    };
    const asOther = process.getuid?.() !== user.uid;
    if (asOther && process.getuid?.() !== 0) throw new Error(`cannot open a session as ${user.name}: the agent is not root`);
    this.child = spawn(shell, options.login === false ? [] : ['-l'], {
      cwd: options.cwd ?? user.home,
      env,
      detached: true, // own session and process group: everything a command starts can be found and killed
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
      ...(asOther ? { uid: user.uid, gid: user.gid } : {}),
    }) as unknown as ShellChild;
    const cmdOut = this.child.stdio[CMD_OUT_FD] as Readable;
    const cmdErr = this.child.stdio[CMD_ERR_FD] as Readable;
    cmdOut.on('data', (b: Buffer) => {
      this.out.push(b);
      this.wake?.();
    });
    cmdErr.on('data', (b: Buffer) => {
      this.err.push(b);
      this.wake?.();
    });
    this.child.stderr.on('data', (b: Buffer) => {
      this.noise = (this.noise + b.toString('utf8')).slice(-NOISE_KEPT);
    });
    this.child.stdin.on('error', () => {}); // EPIPE after the shell died: reported through `exit`
    this.child.on('error', () => {
      this.exited ??= { code: 127, signal: null };
      this.wake?.();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      // Give the pipes a moment to deliver the last bytes before reporting.
      setTimeout(() => this.wake?.(), 20);
    });
  }

  /** Starts the shell and waits until it has read its profile and answers. */
  static async open(options: ShellOptions): Promise<ShellSession> {
    const s = new ShellSession(options);
    const first = await s.runNow(':', 30_000, undefined);
    if (!first.alive || first.status !== 0) {
      s.kill();
      throw new Error(`shell did not start: status ${first.status}: ${(first.stderr.toString('utf8') + s.noise).trim().slice(-500)}`);
    }
    return s;
  }

  get alive(): boolean {
    return this.exited === null;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Run one command; `merge` sends its stderr into its stdout, so the two interleave in time order. */
  run(command: string, timeoutMs: number, stdin?: Buffer, merge = false): Promise<ShellRunResult> {
    const p = this.queue.then(() => this.runNow(command, timeoutMs, stdin, merge));
    this.queue = p.catch(() => {});
    return p;
  }

  private stdinFile(data: Buffer): string {
    if (!this.tmp) {
      this.tmp = mkdtempSync(join(tmpdir(), 'onix-agent-'));
      if (process.getuid?.() === 0) chownSync(this.tmp, this.uid, this.gid);
    }
    const file = join(this.tmp, `stdin-${this.counter}`);
    writeFileSync(file, data, { mode: 0o600 });
    if (process.getuid?.() === 0) chownSync(file, this.uid, this.gid);
    return file;
  }

  private async runNow(command: string, timeoutMs: number, stdin: Buffer | undefined, merge = false): Promise<ShellRunResult> {
    if (this.exited) return { stdout: Buffer.alloc(0), stderr: Buffer.from('session has ended\n'), status: -1, timedOut: false, alive: false };
    const n = ++this.counter;
    const marker = `${this.mark}${n}`;
    const markerBuf = Buffer.from(marker);
    this.child.stdin.write(runScript(command, marker, stdin ? this.stdinFile(stdin) : '/dev/null', merge));

    let timedOut = false;
    const timer = setTimeout(() => {
      // Everything the command started goes, and the shell with it: a builtin after a killed
      // child (`sleep 30; echo x > f`) must not run on. The session ends.
      timedOut = true;
      this.kill(true);
      this.wake?.();
    }, timeoutMs);
    try {
      for (;;) {
        const o = this.out.find(markerBuf);
        const e = o ? this.err.find(markerBuf) : null;
        if (o && e && !timedOut) {
          const stdout = this.out.take(o.at, o.end);
          const stderr = this.err.take(e.at, e.end);
          return { stdout, stderr, status: Number(o.rest.trim()), timedOut, alive: true };
        }
        if (this.exited) {
          const { code, signal } = this.exited;
          const status = timedOut ? -1 : (code ?? (signal ? 128 + signalNumber(signal) : -1));
          const cut = (p: Pipe) => {
            const f = p.find(markerBuf);
            return f ? p.take(f.at, f.end) : p.takeAll();
          };
          return { stdout: cut(this.out), stderr: cut(this.err), status, timedOut, alive: false };
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = null;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal to the running command (not to the shell), like Ctrl-C at a terminal. */
  signal(signal: NodeJS.Signals): void {
    signalCommand(this.pid, signal);
  }

  /**
   * Ends the shell and everything it started: its descendants and process group, and with
   * `thorough` also the rest of its session (a scan of /proc: slow under TCG, so only at a timeout).
   */
  kill(thorough = false): void {
    killSession(this.pid, thorough);
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.cleanup();
  }

  async close(): Promise<void> {
    if (!this.exited) {
      this.child.stdin.end();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        this.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.kill();
  }

  private cleanup(): void {
    if (this.tmp) {
      rmSync(this.tmp, { recursive: true, force: true });
      this.tmp = null;
    }
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return table[signal] ?? 0;
}
