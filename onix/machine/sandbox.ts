// The `sandbox` target: the image's root tree run in fresh mount, PID, UTS, IPC
// and network namespaces (util-linux `unshare`), no kernel of its own.
//
//  - root: overlayfs, the image's rootfs as the read-only lower layer and a
//    writable upper layer per machine in a temp dir (a full copy where overlayfs
//    cannot be mounted). It is mounted with redirect_dir=on so that directories
//    from the image rename like on the VM's one root filesystem: without it
//    overlayfs answers EXDEV to renaming a directory that has a lower layer, and
//    moss's activation renames /.moss/root/<id> to staging and exchanges
//    staging/usr with /usr (the redirects are trusted.overlay.* xattrs in the
//    upper layer, which `cp -a` keeps in snapshots, as it keeps whiteouts);
//  - init (PID 1 of the namespace): mounts /proc, /sys, a small /dev, a fresh
//    tmpfs /run, runs the seam's boot steps (/usr/libexec/onix-nix-integration/boot),
//    respawns the seam's nix-daemon supervisor as the VM's inittab does (a killed
//    daemon comes back; images without the seam: starts nix-daemon when /nix has
//    one), then runs onix-agent on stdio and reaps;
//  - reboot/crash: every process in the namespace ends (PID 1 is killed), /run is
//    gone with the mount namespace, and init runs again on the same upper layer;
//  - snapshot: a copy of the upper layer (`cp -a`, whiteouts and hard links kept);
//    restore: stop, put a copy back, boot. To make restores take milliseconds, the
//    machine keeps one standby instance already booted from the last snapshot used
//    (same semantics: a fresh boot from that snapshot's disk); restore swaps it in
//    and starts the next standby in the background.
//
// Over 300 lines on purpose: the Machine methods of one sandbox share its mount namespace,
// overlay layers and init process; split apart, each would need the others' state.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AgentConnection } from './agent-client.ts';
import { runTool } from './disk.ts';
import { type ImageProvider, imageFrom, type MachineImage } from './image.ts';
import { MachineError, type Machine, type MachineCapabilities, type MachineIdentity, type Session, type SessionOptions } from './machine.ts';
import { describeSweep, makeOwnedDir, sweepMachineDirs } from '../owned-dirs.ts';
import { spawnGuarded } from './process-guard.ts';
import { activeFstx, loginSession } from './session-helpers.ts';

export interface SandboxMachineOptions {
  /** Image whose rootfs to run, or the provider that makes it at first boot (required: the machine layer builds no image; onix/image/provider.ts has the test image). */
  image?: MachineImage | ImageProvider;
  /** How long init may take until the agent answers, in ms (default: 30_000). */
  bootTimeoutMs?: number;
  /** Default per-command timeout in ms (default: 60_000). */
  defaultTimeoutMs?: number;
  /** Use a full copy instead of overlayfs (default: false; automatic when overlayfs fails). */
  copyRoot?: boolean;
  onProgress?: (line: string) => void;
}

/** Runs on the host inside the new namespaces, then chroots into the machine. */
const SETUP = `
set -e
R="$ONIX_ROOT"
if [ -n "$ONIX_LOWER" ]; then
  mount -t overlay onix-root -o "redirect_dir=on,lowerdir=$ONIX_LOWER,upperdir=$ONIX_UPPER,workdir=$ONIX_WORK" "$R"
else
  mount --bind "$ONIX_UPPER" "$R"
fi
mount --make-rprivate /
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp"
mount -t proc proc "$R/proc"
mount -t sysfs -o ro sysfs "$R/sys" 2>/dev/null || true
mount -t tmpfs -o mode=0755,nosuid dev "$R/dev"
for n in null zero full random urandom tty; do
  touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" && ln -sf pts/ptmx "$R/dev/ptmx"
ln -sf /proc/self/fd "$R/dev/fd"; ln -sf /proc/self/fd/0 "$R/dev/stdin"; ln -sf /proc/self/fd/1 "$R/dev/stdout"; ln -sf /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
mount -t tmpfs -o mode=0755,nosuid,nodev run "$R/run"
hostname onix
exec chroot "$R" /bin/sh -c "$ONIX_INIT"
`;

/** PID 1 inside the machine. The agent keeps the namespace's stdio; the shell reaps orphans while it waits. */
const INIT = `
exec 3<&0 4>&1 0</dev/null 1>&2
if [ -x /usr/libexec/onix-nix-integration/boot ]; then /usr/libexec/onix-nix-integration/boot >&2 || echo "init: seam boot failed" >&2; fi
if [ -x /usr/libexec/onix-nix-integration/nix-daemon ]; then
  (while :; do /usr/libexec/onix-nix-integration/nix-daemon; done) 3<&- 4>&- &
elif [ -x /nix/var/nix/profiles/default/bin/nix-daemon ]; then /nix/var/nix/profiles/default/bin/nix-daemon >/dev/null 2>&1 &
fi
/usr/bin/onix-agent <&3 >&4 &
agent=$!
exec 3<&- 4>&-
while kill -0 $agent 2>/dev/null; do wait $agent; done
`;

/** One booted namespace: its directories, the unshare process and the agent channel. */
interface Instance {
  dir: string;
  upper: string;
  proc: ChildProcess;
  conn: AgentConnection;
  exited: Promise<void>;
}

/**
 * Removes a sandbox's directory. The processes of its PID namespace die with its init, but the
 * kernel tears the namespace's mounts down a moment later: a removal that meets one gets EBUSY
 * or ENOTEMPTY, so it is retried for a while (Ctrl-C once left the directory behind this way).
 */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  } catch (e) {
    throw new MachineError(`sandbox: cannot remove ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the next start removes it`);
  }
}

/** The PID (in ours) of the namespace's init: `unshare --fork`'s one child. */
function namespaceInit(unsharePid: number): number | null {
  try {
    const first = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : null;
  } catch {
    return null; // gone already, or no /proc children list: unshare's --kill-child is the fallback
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

export class SandboxMachine implements Machine {
  readonly capabilities: MachineCapabilities = { kernel: false, reboot: true, snapshot: true, crash: true };
  private image: MachineImage | null = null;
  private dir: string | null = null;
  private overlay = true;
  private current: Instance | null = null;
  private standby: { name: string; instance: Promise<Instance> } | null = null;
  private booting: Promise<void> | null = null;
  private counter = 0;
  private log = '';

  constructor(private readonly options: SandboxMachineOptions = {}) {}

  consoleLog(): string {
    return this.log;
  }

  private error(message: string): MachineError {
    return new MachineError(`sandbox: ${message}`, this.log.slice(-3000));
  }

  private get snapshotsDir(): string {
    return join(this.dir!, 'snapshots');
  }

  boot(): Promise<void> {
    this.booting ??= this.firstBoot().catch(async (e: unknown) => {
      this.booting = null;
      await this.shutdown();
      throw e instanceof MachineError ? e : this.error((e as Error).message);
    });
    return this.booting;
  }

  private async firstBoot(): Promise<void> {
    if (process.getuid?.() !== 0) throw this.error('needs root (namespaces and overlayfs mounts)');
    if (!this.options.image) throw this.error('no image to run (pass image: the test image is testImage in onix/image/provider.ts)');
    this.image = await imageFrom(this.options.image, this.options.onProgress ?? (() => {}));
    // Machines of killed runs left their directories behind: remove them first.
    const swept = describeSweep(await sweepMachineDirs());
    if (swept) this.options.onProgress?.(swept);
    this.dir = makeOwnedDir('onix-sandbox-');
    mkdirSync(this.snapshotsDir);
    this.overlay = !this.options.copyRoot;
    const upper = this.newUpper();
    try {
      this.current = await this.start(upper);
    } catch (e) {
      if (!this.overlay) throw e;
      // overlayfs is not available here: run on a full copy of the root tree instead.
      this.options.onProgress?.('overlayfs failed; copying the root tree');
      this.overlay = false;
      this.current = await this.start(upper);
    }
  }

  private async copyTree(from: string, to: string): Promise<void> {
    const r = await runTool('cp', ['-a', from, to]);
    if (r.status !== 0) throw this.error(`cp -a failed: ${r.stderr.trim()}`);
  }

  /** A new, empty instance directory; returns its upper layer path. */
  private newUpper(): string {
    const dir = join(this.dir!, `instance-${++this.counter}`);
    mkdirSync(dir);
    return join(dir, 'upper');
  }

  /** Boots a namespace on `upper` (which must exist, or is created empty). */
  private async start(upper: string): Promise<Instance> {
    const dir = join(upper, '..');
    const work = join(dir, 'work');
    const root = join(dir, 'root');
    mkdirSync(upper, { recursive: true });
    if (!this.overlay && !existsSync(join(upper, 'usr'))) await this.copyTree(`${this.image!.rootfs}/.`, upper);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    mkdirSync(root, { recursive: true });
    const proc = spawnGuarded(
      'unshare',
      ['--mount', '--pid', '--fork', '--uts', '--ipc', '--net', '--kill-child', '--propagation', 'private', '/bin/sh', '-c', SETUP],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          ONIX_ROOT: root,
          ONIX_LOWER: this.overlay ? this.image!.rootfs : '',
          ONIX_UPPER: upper,
          ONIX_WORK: work,
          ONIX_INIT: INIT,
        },
      },
    );
    proc.stderr!.on('data', (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-64 * 1024);
    });
    const conn = new AgentConnection(proc.stdout!, proc.stdin!, { label: 'sandbox', endIsFatal: false, consoleTail: () => this.log.slice(-3000) });
    const exited = new Promise<void>((resolve) => {
      proc.on('exit', (code, signal) => {
        conn.fail(`the sandbox stopped (${signal ?? code})`);
        resolve();
      });
      proc.on('error', (e) => {
        conn.fail(`cannot start unshare: ${e.message}`);
        resolve();
      });
    });
    const instance: Instance = { dir, upper, proc, conn, exited };
    try {
      await conn.waitReady(this.options.bootTimeoutMs ?? 30_000, 1000);
    } catch (e) {
      await this.stop(instance, true);
      throw e;
    }
    return instance;
  }

  /**
   * Ends every process of the instance. The namespace's init is killed, not unshare: the kernel
   * ends every other process of a PID namespace before its init is reaped, so unshare (which
   * waits for init) exits only when nothing of the machine runs and no mount of its namespace
   * holds the directory. Killed first, unshare exits at once while they are still dying, and a
   * removal or a reboot on the same upper layer can meet them (--kill-child ends init then).
   */
  private async stop(instance: Instance, removeDir: boolean): Promise<void> {
    instance.conn.fail('the sandbox was stopped');
    if (instance.proc.exitCode === null && instance.proc.signalCode === null) {
      const init = instance.proc.pid === undefined ? null : namespaceInit(instance.proc.pid);
      if (init === null || !signal(init, 'SIGKILL')) instance.proc.kill('SIGKILL');
      await instance.exited;
    }
    if (removeDir) removeTree(instance.dir);
  }

  private connection(): AgentConnection {
    if (!this.current || this.current.conn.closed) throw this.error('the machine is not running (call boot first)');
    return this.current.conn;
  }

  async identity(): Promise<MachineIdentity> {
    const fstx = await activeFstx(this);
    return { target: 'sandbox', imageId: this.image!.imageId, fstx, host: `sandbox (namespaces${this.overlay ? ', overlayfs' : ', copied root'})` };
  }

  async session(options: SessionOptions = {}): Promise<Session> {
    await this.boot();
    return loginSession(this.connection(), options, this.options.defaultTimeoutMs);
  }

  async reboot(): Promise<void> {
    await this.boot();
    const old = this.current!;
    this.current = null;
    await this.stop(old, false);
    this.current = await this.start(old.upper);
  }

  async crash(): Promise<void> {
    await this.reboot();
  }

  /** Boots an instance from a copy of snapshot `name` (the standby for the next restore). */
  private async fromSnapshot(name: string): Promise<Instance> {
    const upper = this.newUpper();
    await this.copyTree(join(this.snapshotsDir, name), upper);
    return this.start(upper);
  }

  private prepareStandby(name: string): void {
    const instance = this.fromSnapshot(name);
    instance.catch(() => {}); // a failed standby is retried by the next restore
    this.standby = { name, instance };
  }

  private async dropStandby(): Promise<void> {
    const sb = this.standby;
    this.standby = null;
    if (sb)
      await sb.instance.then(
        (i) => this.stop(i, true),
        () => {},
      );
  }

  async snapshot(name = 'base'): Promise<void> {
    await this.boot();
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw this.error(`snapshot names are letters, digits, "_", "." and "-": ${name}`);
    if (this.standby?.name === name) await this.dropStandby();
    await this.connection().closeSessions();
    await this.connection().sync();
    const dest = join(this.snapshotsDir, name);
    rmSync(dest, { recursive: true, force: true });
    await this.copyTree(this.current!.upper, dest);
    if (!this.standby) this.prepareStandby(name);
  }

  async restore(name = 'base'): Promise<void> {
    await this.boot();
    if (!existsSync(join(this.snapshotsDir, name))) throw this.error(`no snapshot named ${name}`);
    if (this.standby && this.standby.name !== name) await this.dropStandby();
    let next: Instance | null = null;
    if (this.standby) {
      const sb = this.standby;
      this.standby = null;
      next = await sb.instance.catch(() => null);
      if (next?.conn.closed) {
        await this.stop(next, true);
        next = null;
      }
    }
    const old = this.current;
    this.current = null;
    if (old) await this.stop(old, true);
    this.current = next ?? (await this.fromSnapshot(name));
    this.prepareStandby(name);
  }

  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    await this.boot();
    await this.connection().copyOut(machinePath, hostPath);
  }

  async shutdown(): Promise<void> {
    this.booting = null;
    await this.dropStandby();
    const cur = this.current;
    this.current = null;
    if (cur) await this.stop(cur, true);
    if (this.dir) removeTree(this.dir);
    this.dir = null;
  }
}
