// The one interface every ONIX test machine implements: the QEMU VM, the
// namespace sandbox, SSH to a real machine, and the host itself (`local`).
// The spec runner and the tests only ever talk to this interface.
//
// Shape after the NixOS test driver: a small core (boot, session, reboot,
// crash, snapshot/restore, shutdown); helpers such as `exec` or "wait until
// succeeds" are written once on top of sessions, never per driver.

/** Options for one command run in a session. */
export interface RunOptions {
  /** Kill the command after this many milliseconds (default: 60_000). */
  timeoutMs?: number;
  /** Text fed to the command's standard input (default: none, stdin is /dev/null). */
  stdin?: string;
  /** Send stderr into stdout, so the two interleave in the order the command wrote them; `stderr` is then "" (default: false). */
  mergeStderr?: boolean;
}

/** What one command did. Output is exact bytes decoded as UTF-8, not trimmed. */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** The exact bytes, for output that is not valid UTF-8 (the strings above hold U+FFFD there). */
  bytes?: { stdout: Buffer; stderr: Buffer };
  /** Exit status; 128+N when killed by signal N; -1 when it timed out. */
  status: number;
  /** True when the command was killed at its timeout. */
  timedOut: boolean;
  durationMs: number;
}

/** Options for opening a session. */
export interface SessionOptions {
  /** Run as this user through a login shell (default: root). */
  user?: string;
  /** Working directory at start (default: the user's home). */
  cwd?: string;
  /** Extra environment on top of the pinned one (LANG=C.UTF-8, TZ=UTC, COLUMNS=80, NO_COLOR=1). */
  env?: Record<string, string>;
}

/**
 * One persistent shell on the machine, as a person at a terminal would have:
 * `cd`, variables and functions carry over from one `run` to the next.
 * A command that hits its timeout is killed; the session may then be dead
 * (`alive` false) and later runs fail with MachineError.
 */
export interface Session {
  run(command: string, options?: RunOptions): Promise<RunResult>;
  readonly alive: boolean;
  close(): Promise<void>;
}

/** Who and what the spec ran on; recorded in every report. */
export interface MachineIdentity {
  /** Target name: "local", "sandbox", "vm", "ssh". */
  target: string;
  /** Image id (content hash of the image inputs), or null where there is no image (local, ssh). */
  imageId: string | null;
  /** Active moss state (`/usr/.stateID`) when the machine is an ONIX machine, else null. */
  fstx: string | null;
  /** Human-readable host description, e.g. "qemu tcg", "ssh root@laptop". */
  host: string;
}

/** What a driver can and cannot do; the runner says so for cases that need more. */
export interface MachineCapabilities {
  /** Boots its own kernel and honours boot entries (only the VM, and real machines over SSH). */
  kernel: boolean;
  /** `reboot` really restarts the machine's userland. */
  reboot: boolean;
  /** snapshot/restore are supported. */
  snapshot: boolean;
  /** `crash` (hard reset) is supported. */
  crash: boolean;
}

export interface Machine {
  readonly capabilities: MachineCapabilities;
  /** Start the machine and wait until it answers; idempotent. */
  boot(): Promise<void>;
  identity(): Promise<MachineIdentity>;
  /** Open a persistent shell session (see Session). */
  session(options?: SessionOptions): Promise<Session>;
  /** A real reboot: every session ends, the machine goes down and comes back; resolves once it answers. */
  reboot(): Promise<void>;
  /** Hard reset without a clean shutdown (fault tests); resolves once it answers again. */
  crash(): Promise<void>;
  /** Remember the current disk state under a name (default: "base"). */
  snapshot(name?: string): Promise<void>;
  /** Return to a snapshot; the machine is running and answering afterwards. */
  restore(name?: string): Promise<void>;
  /** Copy a file from the machine to a host path. */
  copyOut(machinePath: string, hostPath: string): Promise<void>;
  /** Stop the machine and release every process and temp file it owns; idempotent. */
  shutdown(): Promise<void>;
  /** Console log so far (serial console for the VM), attached to failures; "" when there is none. */
  consoleLog(): string;
}

/**
 * "Could not run": the machine is down, did not boot in time, lost its
 * channel, or cannot do what was asked. Never a "ran and did not match".
 */
export class MachineError extends Error {
  override name = 'MachineError';
  constructor(
    message: string,
    readonly consoleTail: string = '',
  ) {
    super(message);
    // Test reporters print the stack, not extra fields: carry the machine's last words there.
    const tail = consoleTail.trim().split('\n').slice(-25).join('\n');
    if (tail) this.stack = `${this.stack}\n--- console (last lines) ---\n${tail}`;
  }
}

/** The environment every command runs in, on every target, so output is reproducible. */
export const PINNED_ENV: Readonly<Record<string, string>> = {
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  COLUMNS: '80',
  NO_COLOR: '1',
  TERM: 'dumb',
};
