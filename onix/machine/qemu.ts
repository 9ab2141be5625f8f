// The `vm` target: the ONIX image under QEMU.
//
//  - disk: qcow2 base per image id (disk.ts) + a qcow2 overlay per machine;
//  - kernel, initrd, options: the default BLS entry (boot-files.ts), read from the
//    image before the first boot and from the running guest before every reboot,
//    so a rollback + reboot boots the previous state's kernel;
//  - agent: virtio-serial port org.onix.agent on a unix socket (agent/protocol.ts);
//  - control: QMP on a unix socket; serial console appended to console.log;
//  - no network device, unless sshPort asks for one: then a user-mode NIC that
//    reaches nothing but a host port forwarded to the guest's SSH server;
//  - KVM only when it really works (accel.ts), else TCG;
//  - reboot: the guest runs `reboot`, QEMU (-no-reboot) exits, the driver starts it
//    again with the then-default entry. A reboot started inside the guest (a shell,
//    SSH) comes back the same way: the image's shutdown script signals the agent,
//    which sends `going-down`; the driver copies the next entry's files and lets the
//    shutdown go on, as firmware would read them at the next boot;
//  - crash: QMP system_reset (QEMU exits the same way, the guest got no clean
//    shutdown); snapshot/restore: savevm/loadvm internal snapshots in the overlay,
//    RAM included, with the agent channel resynced.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readSync, closeSync, fstatSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { chooseAccel, type Accel } from './accel.ts';
import { AgentConnection } from './agent-client.ts';
import { MACHINE_CACHE } from './agent-bundle.ts';
import { guestSource, hostTreeSource, loadBootFiles, sameBoot, type BootFiles } from './boot-files.ts';
import { type BootProfile, readBootProfile } from './boot-profile.ts';
import { baseDisk, createOverlay } from './disk.ts';
import { type ImageProvider, imageFrom, type MachineImage } from './image.ts';
import { MachineError, type Machine, type MachineCapabilities, type MachineIdentity, type Session, type SessionOptions } from './machine.ts';
import { VIRTIO_PORT_NAME } from './agent/protocol.ts';
import { describeSweep, makeOwnedDir, sweepMachineDirs } from '../owned-dirs.ts';
import { spawnGuarded } from './process-guard.ts';
import { pvhKernel } from './pvh-kernel.ts';
import { QmpClient } from './qmp.ts';
import { within } from './within.ts';

/**
 * Added to the boot entry's options under TCG only (the entry itself stays as moss writes it).
 *  - no_timer_check: an emulated CPU starved by a loaded host can miss the kernel's check
 *    that the IO-APIC timer ticks, and the guest then panics with "IO-APIC + timer doesn't
 *    work" before init; QEMU's timer is known to work, so the check is skipped, as
 *    virtualised guests commonly do.
 *  - cryptomgr.notests: the crypto API's self-tests of every algorithm it registers, the
 *    slowest initcalls of an emulated boot (0.4-0.8 s), test the kernel's crypto code,
 *    which QEMU runs unchanged; they say nothing about the machine under test.
 */
const TCG_KERNEL_OPTIONS = 'no_timer_check cryptomgr.notests';
export interface QemuMachineOptions {
  /** Image to boot, or the provider that makes it at first boot (required: the machine layer builds no image; onix/image/provider.ts has the test image). */
  image?: MachineImage | ImageProvider;
  /** Guest memory in MiB (default: 512; more RAM makes snapshots slower). */
  memoryMiB?: number;
  /** How long a boot may take until the agent answers, in ms (default: 300_000 under TCG, where a loaded 2-core host can take minutes; 60_000 under KVM). */
  bootTimeoutMs?: number;
  /** Default per-command timeout in ms (default: 60_000). */
  defaultTimeoutMs?: number;
  /** Accelerator (default: chooseAccel()). */
  accel?: Accel;
  /** QEMU binary (default: qemu-system-x86_64). */
  qemu?: string;
  /** Progress lines (image build, boot), e.g. for the CLI (default: silent). */
  onProgress?: (line: string) => void;
  /** Kernel options added to the boot entry's on QEMU's -append, e.g. PROFILE_KERNEL_OPTIONS (default: none; the entry itself is never changed). */
  kernelOptions?: string;
  /** Forward 127.0.0.1:sshPort on the host to the guest's SSH server (port 22) over a NIC that reaches nothing else (default: no NIC). */
  sshPort?: number;
}

/** Where the image's shutdown script waits for the host before it stops processes. */
const HOST_READY = '/run/onix/host-ready';
/** Where a reboot this driver asks for is announced to the image's shutdown script. */
const HOST_REBOOT = '/run/onix/host-reboot';

const CONSOLE_TAIL = 3000;

export class QemuMachine implements Machine {
  readonly capabilities: MachineCapabilities = { kernel: true, reboot: true, snapshot: true, crash: true };
  private dir: string | null = null;
  private image: MachineImage | null = null;
  private accel: Accel = 'tcg';
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private qmp: QmpClient | null = null;
  private conn: AgentConnection | null = null;
  private boot_: BootFiles | null = null;
  private booting: Promise<void> | null = null;
  private stderr = '';
  private startedAt = 0;
  private readyAt = 0;
  private readonly snapshots = new Map<string, BootFiles>();
  /** Set while reboot() or crash() restarts QEMU itself. */
  private hostRestart = false;
  /** QEMU coming back after a reboot started inside the guest. */
  private restarting: Promise<void> | null = null;

  constructor(private readonly options: QemuMachineOptions = {}) {}

  private get paths() {
    const d = this.dir!;
    return { overlay: join(d, 'disk.qcow2'), console: join(d, 'console.log'), qmp: join(d, 'qmp.sock'), agent: join(d, 'agent.sock') };
  }

  consoleLog(): string {
    return this.dir ? readTail(this.paths.console, 256 * 1024) : '';
  }

  private consoleTail(): string {
    const log = this.consoleLog();
    const err = this.stderr.trim() ? `\n[qemu stderr]\n${this.stderr.trim().slice(-1000)}` : '';
    return log.slice(-CONSOLE_TAIL) + err;
  }

  private error(message: string): MachineError {
    return new MachineError(`vm: ${message}`, this.consoleTail());
  }

  private get bootTimeoutMs(): number {
    return this.options.bootTimeoutMs ?? (this.accel === 'kvm' ? 60_000 : 300_000);
  }

  async boot(): Promise<void> {
    this.booting ??= this.firstBoot().catch(async (e: unknown) => {
      this.booting = null;
      await this.stopQemu();
      throw e instanceof MachineError ? e : this.error((e as Error).message);
    });
    await this.booting;
    if (this.restarting) await this.restarting;
  }

  private async firstBoot(): Promise<void> {
    const progress = this.options.onProgress ?? (() => {});
    if (!this.options.image) throw this.error('no image to boot (pass image: the test image is testImage in onix/image/provider.ts)');
    this.image = await imageFrom(this.options.image, progress);
    this.accel = this.options.accel ?? (await chooseAccel(this.options.qemu));
    progress(`preparing the disk for image ${this.image.imageId}`);
    const base = await baseDisk(this.image.imageId, this.image.rootfs);
    // Machines of killed runs left their directories (and overlays) behind: remove them first.
    const swept = describeSweep(await sweepMachineDirs());
    if (swept) progress(swept);
    this.dir = makeOwnedDir('onix-vm-');
    await createOverlay(base, this.paths.overlay);
    mkdirSync(this.bootCache, { recursive: true });
    const files = await loadBootFiles(hostTreeSource(this.image.rootfs), this.bootCache);
    progress(`booting ${files.entry} under ${this.accel}`);
    await this.startQemu(files);
  }

  private qemuArgs(files: BootFiles, kernel: string, loadvm?: string): string[] {
    const p = this.paths;
    const args = [
      '-name',
      'onix-vm',
      '-machine',
      `pc,accel=${this.accel}`,
      '-cpu',
      this.accel === 'kvm' ? 'host' : 'max',
      '-m',
      String(this.options.memoryMiB ?? 512),
      '-smp',
      '1',
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      ...(this.options.sshPort ? ['-nic', `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${this.options.sshPort}-:22`] : ['-nic', 'none']),
      '-kernel',
      kernel,
      ...(files.initrd ? ['-initrd', files.initrd] : []),
      '-append',
      [files.options, this.accel === 'tcg' ? TCG_KERNEL_OPTIONS : '', this.options.kernelOptions ?? ''].filter(Boolean).join(' '),
      '-drive',
      `file=${p.overlay},if=virtio,format=qcow2`,
      '-chardev',
      `file,id=console,path=${p.console},append=on`,
      '-serial',
      'chardev:console',
      '-chardev',
      `socket,id=agent,path=${p.agent},server=on,wait=off`,
      '-device',
      'virtio-serial-pci',
      '-device',
      `virtserialport,chardev=agent,name=${VIRTIO_PORT_NAME}`,
      '-device',
      'virtio-rng-pci',
      '-qmp',
      `unix:${p.qmp},server=on,wait=off`,
    ];
    if (loadvm) args.push('-loadvm', loadvm);
    return args;
  }

  private async startQemu(files: BootFiles, loadvm?: string): Promise<void> {
    const p = this.paths;
    rmSync(p.qmp, { force: true });
    rmSync(p.agent, { force: true });
    this.stderr = '';
    const args = this.qemuArgs(files, await pvhKernel(files.kernel), loadvm);
    this.startedAt = performance.now();
    const proc = spawnGuarded(this.options.qemu ?? 'qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    this.boot_ = files;
    let gone = false;
    proc.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-8000);
    });
    this.exited = new Promise<void>((resolve) => {
      proc.on('exit', () => {
        gone = true;
        this.conn?.fail('the VM stopped');
        this.qmp?.close();
        resolve();
      });
      proc.on('error', (e) => {
        gone = true;
        this.stderr += `\n${e.message}`;
        resolve();
      });
    });
    for (let i = 0; !(existsSync(p.qmp) && existsSync(p.agent)); i++) {
      if (gone) throw this.error('QEMU exited while starting (is qemu-system-x86 installed?)');
      if (i > 500) throw this.error('QEMU did not create its sockets within 10 s');
      await sleep(20);
    }
    // The socket files appear at bind(); connecting can still race QEMU's listen()
    // or find that QEMU gave up right after (then its stderr says why).
    const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (let i = 0; ; i++) {
        try {
          return await fn();
        } catch (e) {
          if (gone) throw this.error(`QEMU exited while starting`);
          if (i > 200) throw this.error(`cannot connect to ${what}: ${(e as Error).message}`);
          await sleep(50);
        }
      }
    };
    this.qmp = await retry('QMP', () => QmpClient.connect(p.qmp));
    const sock = await retry('the agent socket', () => {
      const c = connect(p.agent);
      return new Promise<Socket>((resolve, reject) => {
        c.once('connect', () => resolve(c));
        c.once('error', reject);
      });
    });
    const conn: AgentConnection = new AgentConnection(sock, sock, {
      label: 'vm',
      consoleTail: () => this.consoleTail(),
      onGoingDown: () => this.goingDown(conn),
    });
    this.conn = conn;
    if (gone) conn.fail('the VM stopped');
    await conn.waitReady(this.bootTimeoutMs, 500);
    this.readyAt = performance.now();
  }

  /** Where the seconds of the last boot (or reboot) went, read from the guest (boot-profile.ts). */
  async bootProfile(): Promise<BootProfile> {
    await this.boot();
    const s = await this.connection().open({ login: false, shell: '/bin/sh' });
    try {
      return await readBootProfile(s, this.startedAt, this.readyAt);
    } finally {
      await s.close();
    }
  }

  /**
   * The guest is shutting down (its shutdown script signalled the agent). When
   * reboot() or crash() is not already restarting it, take the next entry's files
   * and start QEMU again once it stopped; sessions asked for meanwhile wait for
   * that. Either way, tell the guest to go on.
   */
  private goingDown(conn: AgentConnection): void {
    const taken = this.hostRestart ? Promise.resolve(this.boot_!) : this.nextBootFiles().catch(() => this.boot_!);
    if (!this.hostRestart && this.proc) {
      this.restarting = this.comeBack(taken, this.proc, this.exited, this.qmp);
      this.restarting.catch(() => {}); // reported by the next boot() or session()
    }
    void taken.then(async () => {
      try {
        const s = await conn.open({ login: false, shell: '/bin/sh' });
        await s.run(`mkdir -p ${dirname(HOST_READY)} && : > ${HOST_READY}`, { timeoutMs: 10_000 });
        await s.close();
      } catch {
        // already down: nothing waits any more
      }
    });
  }

  /** Starts QEMU again after a reboot the guest started; a failure stays for boot() to report. */
  private async comeBack(next: Promise<BootFiles>, proc: ChildProcess, exited: Promise<void>, qmp: QmpClient | null): Promise<void> {
    const files = await next;
    const down = await within(
      exited.then(() => true),
      this.bootTimeoutMs,
      () => false,
    );
    if (this.proc !== proc) return; // shut down or restored meanwhile
    if (!down) {
      const err = this.error('the guest said it was going down but did not stop');
      await this.stopQemu();
      throw err;
    }
    this.proc = null;
    // Under -no-reboot a reboot and a poweroff both end QEMU; only QMP's reason tells them apart.
    if (qmp?.lastShutdown === 'guest-shutdown') throw this.error('the guest powered off (it did not reboot)');
    try {
      await this.startQemu(files);
    } catch (e) {
      throw e instanceof MachineError ? e : this.error((e as Error).message);
    }
    this.restarting = null;
  }

  private async stopQemu(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    this.conn?.fail('the VM was stopped');
    this.qmp?.close();
    this.qmp = null;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await this.exited;
    }
  }

  private connection(): AgentConnection {
    if (!this.conn || this.conn.closed) throw this.error('the machine is not running (call boot first)');
    return this.conn;
  }

  async identity(): Promise<MachineIdentity> {
    await this.boot();
    const s = await this.session();
    const r = await s.run('cat /usr/.stateID 2>/dev/null', { timeoutMs: 30_000 });
    await s.close();
    return { target: 'vm', imageId: this.image!.imageId, fstx: r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null, host: `qemu ${this.accel}` };
  }

  async session(options: SessionOptions = {}): Promise<Session> {
    await this.boot();
    return this.connection().open({ user: options.user, cwd: options.cwd, env: options.env, login: true }, this.options.defaultTimeoutMs);
  }

  /**
   * Kernels and initrds copied to the host, keyed by path, size and mtime; shared by
   * the machines of one image (the image's own kernel is never copied back).
   */
  private get bootCache(): string {
    return join(MACHINE_CACHE, 'boot', this.image!.imageId);
  }

  /** The boot files of the entry the running guest would boot next. */
  private async nextBootFiles(): Promise<BootFiles> {
    return loadBootFiles(guestSource(this.connection()), this.bootCache);
  }

  async reboot(): Promise<void> {
    await this.restartedByHost(() => this.rebootNow());
  }

  /** Runs a restart of QEMU by this driver (a `going-down` meanwhile is only acknowledged). */
  private async restartedByHost(restart: () => Promise<void>): Promise<void> {
    await this.boot();
    this.hostRestart = true;
    try {
      await restart();
    } finally {
      this.hostRestart = false;
    }
  }

  private async rebootNow(): Promise<void> {
    const conn = this.connection();
    const next = await this.nextBootFiles();
    conn.dropSessions();
    const s = await conn.open({ login: false, shell: '/bin/sh' });
    // HOST_REBOOT lets the image's shutdown script reboot as soon as it is done. The
    // machine goes down before it answers.
    void s.run(`mkdir -p ${dirname(HOST_REBOOT)} && : > ${HOST_REBOOT}; reboot`, { timeoutMs: 10_000 }).catch(() => {});
    const down = await within(
      this.exited.then(() => true),
      this.bootTimeoutMs,
      () => false,
    );
    if (!down) {
      const err = this.error('the guest did not go down after `reboot`');
      await this.stopQemu();
      throw err;
    }
    this.proc = null;
    await this.startQemu(next);
  }

  async crash(): Promise<void> {
    await this.restartedByHost(() => this.crashNow());
  }

  private async crashNow(): Promise<void> {
    const conn = this.connection();
    let next = this.boot_!;
    try {
      next = await within(this.nextBootFiles(), 20_000, () => Promise.reject(new Error('timeout')));
    } catch {
      // A wedged guest boots what it booted last time.
    }
    conn.dropSessions();
    try {
      await this.qmp?.execute('system_reset'); // with -no-reboot QEMU exits instead of resetting
    } catch {
      // QMP gone: kill below
    }
    const down = await within(
      this.exited.then(() => true),
      10_000,
      () => false,
    );
    if (!down) await this.stopQemu();
    this.proc = null;
    await this.startQemu(next);
  }

  async snapshot(name = 'base'): Promise<void> {
    await this.boot();
    const conn = this.connection();
    await conn.closeSessions();
    // A smaller RAM image loads faster: drop clean page cache first (what is mapped stays).
    const s = await conn.open({ login: false, shell: '/bin/sh' });
    await s.run('sync; echo 3 > /proc/sys/vm/drop_caches', { timeoutMs: 60_000 });
    await s.close();
    const out = await this.qmp!.hmp(`savevm ${hmpName(name)}`);
    if (out.trim()) throw this.error(`savevm ${name} failed: ${out.trim()}`);
    this.snapshots.set(name, this.boot_!);
  }

  async restore(name = 'base'): Promise<void> {
    await this.boot();
    const files = this.snapshots.get(name);
    if (!files) throw this.error(`no snapshot named ${name}`);
    this.conn?.dropSessions();
    if (this.proc && this.conn && !this.conn.closed && this.qmp && sameBoot(files, this.boot_!)) {
      const out = await this.qmp.hmp(`loadvm ${hmpName(name)}`);
      if (out.trim()) throw this.error(`loadvm ${name} failed: ${out.trim()}`);
      await this.conn.waitReady(30_000, 100);
      return;
    }
    // Another kernel is running (a reboot since): start QEMU from the snapshot.
    await this.stopQemu();
    await this.startQemu(files, hmpName(name));
  }

  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    await this.boot();
    await this.connection().copyOut(machinePath, hostPath);
  }

  async shutdown(): Promise<void> {
    this.booting = null;
    this.restarting = null;
    await this.stopQemu();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.snapshots.clear();
  }
}

function hmpName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new MachineError(`vm: snapshot names are letters, digits, "_", "." and "-": ${name}`);
  return name;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readTail(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
