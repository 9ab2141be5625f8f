// Shared by the onix command's tests: real fixture roots in temp dirs, the
// real `onix` binary (onix/bin/onix.js), the moss stand-in as a `moss`
// executable, and a real nix-daemon serving a fixture root's store.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { buildFixtureRoot, type Fixture, type FixtureOptions } from './fixture/build.ts';
import { exchangeBinary } from '../../onix/moss/index.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const ONIX_BIN = join(REPO, 'onix/bin/onix.js');

const temps: string[] = [];

export function tempDir(prefix = 'onix-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh fixture root in a temp dir. */
export function makeRoot(options: FixtureOptions = {}): Fixture {
  return buildFixtureRoot(join(tempDir(), 'root'), options);
}

/**
 * A dir holding a `moss` executable that runs the moss stand-in
 * (onix/moss/main.ts), bundled with esbuild as the image does (tsx start-up
 * would dominate every test). Bundled once per test process.
 */
export function mossBinDir(): string {
  // Inside the repo, so the bundle resolves better-sqlite3 from node_modules.
  const bundle = join(REPO, '.cache/onix/test', `moss-${process.pid}.mjs`);
  process.on('exit', () => rmSync(bundle, { force: true }));
  buildSync({
    absWorkingDir: REPO,
    entryPoints: ['onix/moss/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    packages: 'external',
    logLevel: 'error',
  });
  const dir = tempDir('onix-moss-bin-');
  // A bundle cannot find exchange.c beside itself: hand it the built swap helper.
  writeFileSync(join(dir, 'moss'), `#!/bin/sh\nMOSS_EXCHANGE="${exchangeBinary()}" exec "${process.execPath}" "${bundle}" "$@"\n`);
  chmodSync(join(dir, 'moss'), 0o755);
  return dir;
}

/** An executable shell script at a temp path. */
export function script(name: string, body: string): string {
  const path = join(tempDir('onix-script-'), name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

export interface OnixRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real onix binary. */
export function onix(args: string[], env: Record<string, string | undefined> = {}): OnixRun {
  const r = spawnSync(process.execPath, [ONIX_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ONIX_MOSS: undefined, ONIX_NIX: undefined, ONIX_FAULT: undefined, ...env },
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A real nix-daemon serving the root's store on the root's socket. */
export async function startDaemon(root: string): Promise<{ stop: () => Promise<void> }> {
  const socket = join(root, 'nix/var/nix/daemon-socket/socket');
  const child: ChildProcess = spawn('nix-daemon', ['--store', root], {
    env: { ...process.env, NIX_DAEMON_SOCKET_PATH: socket },
    stdio: 'ignore',
  });
  for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
  if (!existsSync(socket)) throw new Error('nix-daemon did not create its socket');
  // The first client makes the daemon open the store, which initialises it
  // (WAL journal, big-lock, .links, per-user dirs), as on any machine that
  // has run Nix once. Do that here so tests see a settled store.
  const ping = spawnSync('nix', ['--extra-experimental-features', 'nix-command', 'store', 'ping', '--store', `unix://${socket}`], { encoding: 'utf8' });
  if (ping.status !== 0) throw new Error(`nix store ping failed: ${ping.stderr}`);
  return {
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** A digest of every path, type, mode, link target and file content under `dir`: "nothing changed" means equal digests. */
export function treeDigest(dir: string, skip: (rel: string) => boolean = () => false): string {
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const full = join(dir, rel);
    const st = lstatSync(full);
    hash.update(`${rel}\0${st.mode}\0`);
    if (st.isSymbolicLink()) hash.update(readlinkSync(full));
    else if (st.isFile()) hash.update(readFileSync(full));
    else if (st.isDirectory()) for (const name of readdirSync(full).sort()) if (!skip(join(rel, name))) walk(join(rel, name));
  };
  walk('.');
  return hash.digest('hex');
}

/**
 * Skips Nix's runtime files: the daemon socket, lock files, temproots, and the
 * gc-socket that any `nix-store --gc` (even --print-dead) creates. None is content.
 */
export const skipRuntime = (rel: string): boolean => /daemon-socket\/socket$|big-lock$|gc\.lock$|temproots|gc-socket/.test(rel);

/** Lines of output without the trailing newline. */
export function lines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}
