// Exit codes and the one error type commands throw. Only the entry point
// (main.ts) turns an OnixError into a line on stderr and a process exit.

/** Exit codes of every onix command (documented in `onix --help`). */
export const EXIT = {
  /** Done; everything checked was fine. */
  ok: 0,
  /** Ran, and found or caused a failure: a doctor check failed, moss or nix failed, /nix changed. */
  failed: 1,
  /** Usage: unknown command or option, bad argument. */
  usage: 2,
  /** The root cannot be read: missing, not an ONIX root, unreadable or corrupt moss state. */
  root: 3,
  /** A tool is missing or unreachable: moss or nix not found, nix daemon down. */
  tool: 4,
  /** Refused, nothing changed: no earlier state, unknown state id, would prune a booted state, gc already running. */
  refused: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error a user can cause: one line on stderr, this exit code, no stack trace. */
export class OnixError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'OnixError';
  }
}
