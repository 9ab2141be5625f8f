// The onix-agent wire protocol, shared by the guest agent and the host-side client.
//
// Transport: any duplex byte stream. stdio for `local`, `sandbox` and `ssh`; the
// virtio-serial port named `org.onix.agent` for the VM.
//
// Framing: one JSON object per line (UTF-8, '\n' terminated; JSON.stringify never
// emits a raw newline, so a line is always exactly one frame). Command output is
// carried base64-encoded inside the frame, so stdout and stderr are exact bytes
// (no trimming, no newline games), and are never mixed with each other.
//
// A line that is not valid JSON, or not an object, is ignored by both sides. This
// is what makes resynchronisation possible: after a VM's `loadvm` the channel may
// hold half a frame; the host sends `ping` with a fresh nonce and discards every
// frame until the matching `pong` arrives.
//
//   agent -> host, once after start:   {"t":"ready","v":1,"pid":123}
//   agent -> host, on SIGUSR2:          {"t":"going-down"}   the machine is shutting down
//                                       to reboot (its shutdown script signals the agent);
//                                       a VM host takes the next boot entry's files now
//   host  -> agent, requests:          {"id":7,"op":"...", ...}
//   agent -> host, one reply each:     {"id":7,"ok":true, ...} | {"id":7,"ok":false,"error":"..."}
//
// Requests may be in flight concurrently; replies carry the request's id and may
// come back in any order. Runs in one session are executed one after another.
//
// Ops:
//   ping  {nonce}                         -> {nonce}
//   open  {user?, cwd?, env?, login?}     -> {session}         a persistent login shell
//   run   {session, command, timeoutMs, stdin?(base64), merge?}
//                                         -> {stdout, stderr (base64), status, timedOut, alive}
//         merge: the command's stderr goes into its stdout pipe (one pipe, so the two
//         interleave exactly in time order); stderr is then empty.
//   signal {session, signal}              -> {}                signal the running command (not the shell)
//   close {session}                       -> {}
//   read  {path, offset, length}          -> {data(base64), size, eof}
//   sync  {}                              -> {}                flush filesystems (sync(1))
//
// `status` is the shell's `$?` after the command; -1 when it timed out. When a command
// exceeds timeoutMs the agent kills the session's shell and everything it started (the
// shell's descendants, its process group and its session; never the agent), so nothing
// of the command runs on (not even a builtin after a killed child); `alive` is false.
//
// The shell session (shell-session.ts). The agent starts one shell per session, in its own
// session and process group, with these descriptors:
//
//   fd 0  the script: the agent writes one run at a time (runScript below)
//   fd 1  the shell's own stdout: discarded
//   fd 2  the shell's own stderr: discarded (the last bytes explain a shell that did not start)
//   fd 3  the command's stdout pipe (CMD_OUT_FD)
//   fd 4  the command's stderr pipe (CMD_ERR_FD)
//
// The command runs with fd 1/2 pointed at fd 3/4 and fd 3/4 closed, so it cannot see or
// move the framing; after it, the shell writes an end marker (random per session, numbered
// per run) carrying `$?` to fd 3 and the marker to fd 4. Those redirections are undone when
// the command ends, so whatever the user types (`set -x` traces of the framing, `exec 2>&1`,
// `exec >/dev/null`, `exec >&-`, traps, `set -e`) lands on the shell's own fd 1/2, never in
// output, and never keeps the marker from arriving. Bytes before the marker on each pipe are
// the command's exact output; a run is complete when both markers are in.

import { StringDecoder } from 'node:string_decoder';
import { shellQuote } from '../../shell-quote.ts';

/** The shell's descriptor for the running command's stdout (see "The shell session" above). */
export const CMD_OUT_FD = 3;
/** The shell's descriptor for the running command's stderr. */
export const CMD_ERR_FD = 4;

/**
 * What the agent writes to the session's shell for one run. `eval` keeps a syntax error in the
 * command from eating the marker lines (`command` stops a syntax error in a special builtin from
 * exiting a POSIX shell); stdin from a file (or /dev/null) keeps the command from reading the script.
 */
export function runScript(command: string, marker: string, stdinPath: string, merge: boolean): string {
  const o = CMD_OUT_FD;
  const e = CMD_ERR_FD;
  return (
    `command eval ${shellQuote(command)} <${shellQuote(stdinPath)} >&${o} 2>&${merge ? o : e} ${o}>&- ${e}>&-\n` +
    `command printf '%s %d\\n' ${marker} "$?" >&${o}; command printf '%s\\n' ${marker} >&${e}\n`
  );
}

export const PROTOCOL_VERSION = 1;

/** Name of the virtio-serial port the VM's agent listens on. */
export const VIRTIO_PORT_NAME = 'org.onix.agent';

/** The agent's first frame on a connection (documents the wire format; the client reads it untyped). @public */
export interface ReadyFrame {
  t: 'ready';
  v: number;
  pid: number;
}

export interface PingRequest {
  op: 'ping';
  nonce: string;
}
export interface OpenRequest {
  op: 'open';
  /** Login name (default: the agent's own user). */
  user?: string;
  /** Working directory (default: the user's home). */
  cwd?: string;
  /** Environment on top of the pinned one and the user's basics (HOME, USER, LOGNAME, SHELL, PATH). */
  env?: Record<string, string>;
  /** Start the shell as a login shell, reading /etc/profile (default: true). */
  login?: boolean;
  /** Shell to run instead of the user's login shell from /etc/passwd (default: that one). */
  shell?: string;
}
export interface RunRequest {
  op: 'run';
  session: string;
  command: string;
  timeoutMs: number;
  /** Standard input for the command, base64 (default: /dev/null). */
  stdin?: string;
  /** Send the command's stderr into its stdout, interleaved in time order (default: false). */
  merge?: boolean;
}
export interface SignalRequest {
  op: 'signal';
  session: string;
  signal: string;
}
export interface CloseRequest {
  op: 'close';
  session: string;
}
export interface ReadRequest {
  op: 'read';
  path: string;
  offset: number;
  length: number;
}
export interface SyncRequest {
  op: 'sync';
}

export type Request = (PingRequest | OpenRequest | RunRequest | SignalRequest | CloseRequest | ReadRequest | SyncRequest) & { id: number };

/** The reply to `run` (documents the wire format). @public */
export interface RunReply {
  stdout: string;
  stderr: string;
  status: number;
  timedOut: boolean;
  alive: boolean;
}

export interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/**
 * Splits a byte stream into lines and parses each as a JSON object; garbage lines
 * are dropped (see the resync note above). Keeps at most one partial line buffered.
 */
export class FrameReader {
  private buf = '';
  /** Where to resume looking for '\n' (everything before it has none). */
  private scanFrom = 0;
  private readonly decoder = new StringDecoder('utf8');
  constructor(private readonly onFrame: (frame: Record<string, unknown>) => void) {}

  push(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (let nl = this.buf.indexOf('\n', Math.max(start, this.scanFrom)); nl >= 0; nl = this.buf.indexOf('\n', Math.max(start, this.scanFrom))) {
      const line = this.buf.slice(start, nl);
      start = nl + 1;
      this.scanFrom = 0;
      if (line.length === 0 || line.charCodeAt(0) !== 123 /* { */) continue;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        continue;
      }
      if (frame && typeof frame === 'object' && !Array.isArray(frame)) this.onFrame(frame as Record<string, unknown>);
    }
    if (start > 0) this.buf = this.buf.slice(start);
    this.scanFrom = this.buf.length;
  }
}

export function encodeFrame(frame: object): string {
  return `${JSON.stringify(frame)}\n`;
}
