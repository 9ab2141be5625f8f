// A built Nix plane brought to life without a VM: a private mount namespace
// (held open by a `sleep` process, entered with nsenter) where a copy of the
// plane is mounted at /nix, /etc/passwd and /etc/group list root, alice (1000,
// group users) and nixbld1..8 (group nixbld 6649), /run is a fresh tmpfs
// (so /run/opengl-driver can point at a Mesa link farm), and the plane's own
// nix-daemon runs as root. Commands run as root or as alice (setpriv).
// Root only (as the image build).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NixPlane } from '../../onix/image/nix/plane.ts';

export interface ExecResult {
  stdout: string;
  stderr: string;
  status: number;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class NsNixMachine {
  private constructor(
    readonly dir: string,
    private readonly holder: number,
  ) {}

  get nixTree(): string {
    return join(this.dir, 'nix');
  }
  get aliceHome(): string {
    return join(this.dir, 'home/alice');
  }

  static async start(plane: NixPlane): Promise<NsNixMachine> {
    const dir = mkdtempSync(join(tmpdir(), 'onix-nsnix-'));
    chmodSync(dir, 0o755); // alice's home is inside
    const r = spawnSync('cp', ['-a', plane.nixDir, join(dir, 'nix')]);
    if (r.status !== 0) throw new Error(`cp -a ${plane.nixDir}: ${r.stderr}`);
    mkdirSync(join(dir, 'conf'));
    cpSync(plane.defaultsEtcNix, join(dir, 'conf'), { recursive: true });
    // The host has no /etc/nix: point Nix at our copy (nix.conf + the system registry).
    const conf = readFileSync(join(dir, 'conf/nix.conf'), 'utf8').replace(/^flake-registry = .*$/m, `flake-registry = ${dir}/conf/registry.json`);
    writeFileSync(join(dir, 'conf/nix.conf'), conf);
    mkdirSync(join(dir, 'home/alice'), { recursive: true });
    chownSync(join(dir, 'home/alice'), 1000, 100);
    const builders = Array.from({ length: 8 }, (_, i) => `nixbld${i + 1}`);
    writeFileSync(
      join(dir, 'passwd'),
      [
        'root:x:0:0:root:/root:/bin/sh',
        `alice:x:1000:100:Alice:${dir}/home/alice:/bin/sh`,
        ...builders.map((b, i) => `${b}:x:${30001 + i}:6649:Nix build user:/var/empty:/bin/false`),
        'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'group'), ['root:x:0:', 'users:x:100:alice', `nixbld:x:6649:${builders.join(',')}`, 'nogroup:x:65534:', ''].join('\n'));
    mkdirSync('/nix', { recursive: true });
    const setup = [
      'set -e',
      'mount --make-rprivate /',
      `mount --bind ${q(dir)}/nix /nix`,
      `mount --bind ${q(dir)}/passwd /etc/passwd`,
      `mount --bind ${q(dir)}/group /etc/group`,
      'mount -t tmpfs tmpfs /run',
      // a host Nix (Debian's nix-bin) must not stand in for anything the plane lacks
      'for d in /usr/libexec/nix /usr/lib/nix /etc/nix; do [ -d $d ] && mount -t tmpfs tmpfs $d; done; true',
      'echo ready',
      'exec sleep 100000',
    ].join('; ');
    const child = spawn('unshare', ['-m', 'sh', '-c', setup], { stdio: ['ignore', 'pipe', 'inherit'], detached: false });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`namespace setup failed (${code})`)));
    });
    const m = new NsNixMachine(dir, child.pid!);
    await m.startDaemon();
    return m;
  }

  private nsenter(args: string[], stdin = ''): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const c = spawn('nsenter', ['-t', String(this.holder), '-m', '--', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      c.stdout?.on('data', (d) => (stdout += d));
      c.stderr?.on('data', (d) => (stderr += d));
      c.on('error', reject);
      c.on('close', (code) => resolve({ stdout, stderr, status: code ?? 1 }));
      // a command that exits without reading its input is judged by its status, not by EPIPE
      c.stdin.on('error', () => {});
      c.stdin.end(stdin);
    });
  }

  private env(user: 'root' | 'alice'): string[] {
    const home = user === 'root' ? join(this.dir, 'home/root') : this.aliceHome;
    return [
      `HOME=${home}`,
      `USER=${user}`,
      `NIX_CONF_DIR=${this.dir}/conf`,
      'LC_ALL=C',
      `PATH=${home}/.nix-profile/bin:/nix/var/nix/profiles/default/bin:/usr/bin:/bin`,
      ...(user === 'alice' ? ['NIX_REMOTE=daemon'] : []),
    ];
  }

  /** Runs a shell command in the namespace as root or alice (alice talks to the daemon). */
  exec(command: string, user: 'root' | 'alice' = 'alice'): Promise<ExecResult> {
    mkdirSync(join(this.dir, 'home/root'), { recursive: true });
    const drop = user === 'alice' ? ['setpriv', '--reuid', '1000', '--regid', '100', '--init-groups'] : [];
    return this.nsenter([
      ...drop,
      'env',
      '-i',
      ...this.env(user),
      'sh',
      '-c',
      `cd "$HOME" && { ${command}
}`,
    ]);
  }

  /** Starts the plane's nix-daemon the way the seam does (from root's default profile). */
  async startDaemon(): Promise<void> {
    const cmd = `rm -f /nix/var/nix/daemon-socket/socket; setsid /nix/var/nix/profiles/default/bin/nix-daemon > ${q(this.dir)}/daemon.log 2>&1 < /dev/null & echo $! > ${q(this.dir)}/daemon.pid
      for i in $(seq 50); do [ -S /nix/var/nix/daemon-socket/socket ] && exit 0; sleep 0.1; done; exit 1`;
    const r = await this.exec(cmd, 'root');
    if (r.status !== 0) throw new Error(`nix-daemon did not start: ${this.daemonLog()}`);
  }

  async stopDaemon(): Promise<void> {
    await this.exec(`kill $(cat ${q(this.dir)}/daemon.pid) 2>/dev/null; sleep 0.2`, 'root');
  }

  /** A "reboot" of the Nix side: daemon stopped and started again, /run emptied. */
  async restart(): Promise<void> {
    await this.stopDaemon();
    await this.exec('find /run -mindepth 1 -maxdepth 1 -exec rm -rf {} +', 'root');
    await this.startDaemon();
  }

  daemonLog(): string {
    try {
      return readFileSync(join(this.dir, 'daemon.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await this.stopDaemon();
    try {
      process.kill(this.holder, 'SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
