// The toolbox plane, owned by Nix: /nix (store, database, profiles, daemon).
// onix checks the daemon and runs `nix store gc` here; the fingerprint that proves
// a machine rollback left /nix alone is in nix-fingerprint.ts.

import { readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { spawn } from 'node:child_process';
import { hostPath } from './root-path.ts';
import { OnixError, EXIT } from '../cli/errors.ts';
import { firstLine } from './machine.ts';

export const DAEMON_SOCKET = '/nix/var/nix/daemon-socket/socket';
export const NIX_DB = '/nix/var/nix/db/db.sqlite';
export const PROFILES = '/nix/var/nix/profiles';
export const GCROOTS = '/nix/var/nix/gcroots';

/** Options every Nix invocation needs: the nix binary and the root. */
export interface NixOptions {
  /** Path or name of the nix binary (default: `nix`, or $ONIX_NIX). */
  nix: string;
  root: string;
}

/** The store a nix command should talk to: the machine's daemon for `/`, the root's socket otherwise. */
export function daemonStoreUri(root: string): string {
  return root === '/' ? 'daemon' : `unix://${hostPath(root, DAEMON_SOCKET)}`;
}

// ---------------------------------------------------------------------------
// Daemon health.
//
// `nix store ping` opens a connection to the daemon and completes the worker
// protocol handshake. `pingDaemonSocket` does exactly that handshake itself
// (Nix's worker-protocol.hh, daemon.cc): client sends WORKER_MAGIC_1 and,
// after the server's WORKER_MAGIC_2 + protocol version, its own version, the
// obsolete CPU-affinity (0) and reserve-space (0) words; the server may send
// its Nix version string (minor >= 33) and then log messages ending in
// STDERR_LAST. All integers are little-endian u64; strings are a u64 length
// followed by the bytes padded to 8. It is what `onix status` uses, since
// starting the nix binary alone costs more than status's whole time budget;
// `onix doctor` also runs the real `nix store ping`.

const WORKER_MAGIC_1 = 0x6e697863n;
const WORKER_MAGIC_2 = 0x6478696fn;
const CLIENT_VERSION = (1n << 8n) | 34n;
const STDERR_LAST = 0x616c7473n;
const STDERR_ERROR = 0x63787470n;
const STDERR_NEXT = 0x6f6c6d67n;

/** Result of a daemon check. */
export interface DaemonHealth {
  healthy: boolean;
  /** Protocol `1.N` and, when the daemon sends it, its Nix version. */
  detail: string;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

/** Connects to the root's daemon socket and completes the worker-protocol handshake. */
/** The timeout is generous: a healthy daemon forks a worker per connection, which takes seconds on a busy emulated (TCG) machine. */
export function pingDaemonSocket(root: string, timeoutMs = 15_000): Promise<DaemonHealth> {
  const path = hostPath(root, DAEMON_SOCKET);
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let stage: 'magic' | 'version' | 'messages' = 'magic';
    let minor = 0;
    let nixVersion = '';
    let settled = false;
    const socket = createConnection({ path });
    const finish = (health: DaemonHealth): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(health);
    };
    const timer = setTimeout(() => finish({ healthy: false, detail: `no answer on ${DAEMON_SOCKET} within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.write(u64(WORKER_MAGIC_1)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'no socket' : error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message);
      finish({ healthy: false, detail: `${DAEMON_SOCKET}: ${why}` });
    });
    socket.on('close', () => finish({ healthy: false, detail: `daemon closed the connection during the handshake` }));
    const readString = (at: number): { value: string; end: number } | null => {
      if (buffer.length < at + 8) return null;
      const len = Number(buffer.readBigUInt64LE(at));
      const end = at + 8 + Math.ceil(len / 8) * 8;
      if (buffer.length < end) return null;
      return { value: buffer.subarray(at + 8, at + 8 + len).toString('utf8'), end };
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (stage === 'magic') {
          if (buffer.length < 16) return;
          if (buffer.readBigUInt64LE(0) !== WORKER_MAGIC_2) return finish({ healthy: false, detail: 'not a Nix daemon (bad magic)' });
          const version = buffer.readBigUInt64LE(8);
          minor = Number(version & 0xffn);
          buffer = buffer.subarray(16);
          socket.write(Buffer.concat([u64(CLIENT_VERSION), ...(minor >= 14 ? [u64(0n)] : []), ...(minor >= 11 ? [u64(0n)] : [])]));
          stage = minor >= 33 ? 'version' : 'messages';
          continue;
        }
        if (stage === 'version') {
          const s = readString(0);
          if (!s) return;
          nixVersion = s.value;
          buffer = buffer.subarray(s.end);
          stage = 'messages';
          continue;
        }
        if (buffer.length < 8) return;
        const msg = buffer.readBigUInt64LE(0);
        if (msg === STDERR_LAST) return finish({ healthy: true, detail: `protocol 1.${minor}${nixVersion ? `, Nix ${nixVersion}` : ''}` });
        if (msg === STDERR_NEXT) {
          const s = readString(8);
          if (!s) return;
          buffer = buffer.subarray(s.end);
          continue;
        }
        if (msg === STDERR_ERROR) return finish({ healthy: false, detail: 'daemon refused the connection' });
        return finish({ healthy: false, detail: `unexpected daemon message 0x${msg.toString(16)}` });
      }
    });
  });
}

/** Runs a nix command, capturing output; rejects with OnixError(tool) when nix cannot be started. */
export function runNix(options: NixOptions, args: string[], timeoutMs = 60_000, argv0?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const full = argv0 ? args : ['--extra-experimental-features', 'nix-command', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(options.nix, full, { stdio: ['ignore', 'pipe', 'pipe'], ...(argv0 ? { argv0 } : {}) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new OnixError(
          error.code === 'ENOENT'
            ? `nix not found: ${options.nix} (pass --nix PATH or set ONIX_NIX)`
            : `cannot run nix (${options.nix}): ${error.code ?? error.message}`,
          EXIT.tool,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** `nix store ping` against the root's daemon. */
export async function nixStorePing(options: NixOptions): Promise<DaemonHealth> {
  const run = await runNix(options, ['store', 'ping', '--store', daemonStoreUri(options.root)], 10_000);
  if (run.status === 0) {
    // Nix 2.8 prints `Store URL: ...` and `Version: ...` on stderr.
    const version = `${run.stdout}\n${run.stderr}`.split('\n').find((l) => l.startsWith('Version:'));
    return { healthy: true, detail: `nix store ping: ${version ? `Nix ${version.slice(8).trim()}` : 'ok'}` };
  }
  const error =
    run.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('error:')) ?? firstLine(run.stderr);
  return { healthy: false, detail: `nix store ping: ${error}` };
}

// ---------------------------------------------------------------------------
// Fingerprint of the Nix plane: what a machine rollback must not change.

// ---------------------------------------------------------------------------
// Garbage collection.

/** Store paths (basenames) no GC root reaches: what `nix store gc` would delete. */
export async function nixDeadPaths(options: NixOptions): Promise<string[]> {
  // `nix store gc --dry-run` lists nothing in Nix 2.8; `nix-store --gc
  // --print-dead` does. nix-store is the same multi-call binary as nix,
  // dispatched on argv[0], so the configured nix binary runs it.
  const run = await runNix(options, ['--gc', '--print-dead', ...storeArgs(options)], 10 * 60_000, 'nix-store');
  if (run.status !== 0) throw new OnixError(`nix-store --gc --print-dead failed: ${nixError(run)}`, EXIT.failed);
  return run.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('/nix/store/'))
    .map((l) => l.slice('/nix/store/'.length))
    .sort();
}

function storeArgs(options: NixOptions): string[] {
  return options.root === '/' ? [] : ['--store', options.root];
}

function nixError(run: { status: number; stderr: string }): string {
  return (
    run.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('error:')) ??
    (firstLine(run.stderr) || `exit ${run.status}`)
  );
}

/** The names under /nix/store, sorted (none when there is no store). */
export function storePathNames(root: string): string[] {
  try {
    return readdirSync(hostPath(root, '/nix/store'))
      .filter((n) => n !== '.links')
      .sort();
  } catch {
    return [];
  }
}

/** What `nix store gc` did. */
export interface NixGcResult {
  /** Store paths deleted, measured from the store listing before and after. */
  deleted: string[];
  /** Nix's own summary line (`N store paths deleted, X MiB freed`), if printed. */
  summary: string | null;
}

/** Runs `nix store gc` on the root's store (for another root: the local store at that root, `--store ROOT`). */
export async function nixStoreGc(options: NixOptions): Promise<NixGcResult> {
  const before = storePathNames(options.root);
  const run = await runNix(options, ['store', 'gc', ...storeArgs(options)], 30 * 60_000);
  if (run.status !== 0) throw new OnixError(`nix store gc failed: ${nixError(run)}`, EXIT.failed);
  const summary =
    `${run.stdout}\n${run.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /store paths deleted/.test(l)) ?? null;
  const after = new Set(storePathNames(options.root));
  return { deleted: before.filter((p) => !after.has(p)), summary };
}
