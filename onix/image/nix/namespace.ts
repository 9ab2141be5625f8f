// Runs a command with a Nix tree mounted at /nix, in a private mount
// namespace (`unshare -m`, root only): how the image build runs the store's own
// Nix against the store it is laying down, and how host tests use a built plane
// without a VM. The host's / gets an empty /nix directory as mount point if it
// has none (nothing else on the host is touched; mounts vanish with the namespace).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { ImageBuildError } from '../host-tools.ts';

export interface NamespaceRun {
  stdout: string;
  stderr: string;
  status: number;
}

export interface NamespaceOptions {
  /** Environment for the command (default: a minimal PATH/HOME-free one). */
  env?: NodeJS.ProcessEnv;
  /** Standard input text (default: none). */
  stdin?: string;
  /** Extra bind mounts done before the command: [source, target] (targets must exist). */
  binds?: [string, string][];
  /** Kill after this many ms (default: 300000). */
  timeoutMs?: number;
}

/** Checks we can make mount namespaces here (root + unshare), with one clear error if not. */
export function requireNamespaces(): void {
  if (process.getuid?.() !== 0) throw new ImageBuildError('building the Nix plane needs root (it uses a private mount namespace to run Nix on the new /nix)');
  if (spawnSync('sh', ['-c', 'command -v unshare'], { stdio: 'ignore' }).status !== 0)
    throw new ImageBuildError('missing host tool: unshare (install with: apt-get install util-linux)');
  if (!existsSync('/nix')) mkdirSync('/nix');
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `script` with `sh -c` in a new mount namespace where `nixDir` is mounted at /nix. */
export function inNixNamespace(nixDir: string, script: string, options: NamespaceOptions = {}): Promise<NamespaceRun> {
  requireNamespaces();
  const mounts = [`mount --bind ${q(nixDir)} /nix`, ...(options.binds ?? []).map(([s, t]) => `mount --bind ${q(s)} ${q(t)}`)];
  const full = `set -e; mount --make-rprivate /; ${mounts.join('; ')}; set +e; ${script}`;
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', 'sh', '-c', full], {
      env: options.env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status: code ?? (signal ? 128 : 1) });
    });
    // a script that exits without reading its input is judged by its status, not by EPIPE
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
