// The toolbox plane, owned by Nix: /nix (store, database, profiles, daemon).
// onix checks the daemon and runs `nix store gc` here; the fingerprint that proves
// a machine rollback left /nix alone is in nix-fingerprint.ts.

import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostPath } from './root-path.ts';
import { OnixError, EXIT } from '../cli/errors.ts';
import { firstLine } from './machine.ts';
import { DAEMON_SOCKET, type DaemonHealth } from './nix-daemon-socket.ts';

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
