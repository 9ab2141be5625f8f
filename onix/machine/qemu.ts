// The `vm` target: the ONIX image under QEMU.
//
//  - disks: qcow2 bases per image id (disk.ts: root, and boot with the ESP and XBOOTLDR)
//    + a qcow2 overlay of each per machine;
//  - kernel, initrd, options: the default BLS entry (boot-files.ts), read from the
//    image before the first boot and from the running guest before every reboot,
//    so a rollback + reboot boots the previous state's kernel;
//  - QEMU's command line: qemu-command.ts; one QEMU process, its QMP and agent
//    connections: a QemuRun (qemu-run.ts), replaced at every reboot, crash and restore;
//  - KVM only when it really works (accel.ts), else TCG;
//  - reboot: the guest runs `reboot`, QEMU (-no-reboot) exits, the driver starts it
//    again with the then-default entry. A reboot started inside the guest (a shell,
//    SSH) comes back the same way: the image's shutdown script signals the agent,
//    which sends `going-down`; the driver copies the next entry's files and lets the
//    shutdown go on, as firmware would read them at the next boot;
//  - crash: QMP system_reset (QEMU exits the same way, the guest got no clean
//    shutdown); snapshot/restore: savevm/loadvm internal snapshots in the overlays,
//    RAM included, with the agent channel resynced and the guest's clock set to the host's;
//  - warm start: the first boot loads the state an earlier cold boot of the same image and
//    command line saved (booted-snapshot.ts), in about 1.5 s instead of 4.5 under TCG;
//    `warmStart: false` boots cold (what a boot does, its profile, its time).
//
// Over 300 lines on purpose: these are the Machine methods of one VM (boot, session, reboot,
// crash, snapshot, restore, shutdown), each a short step on the same QemuRun and overlay; the
// command line, the process and the placement already live in their own modules.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Accel } from './accel.ts';
import type { AgentConnection } from './agent-client.ts';
import { MACHINE_CACHE } from './agent-bundle.ts';
import { type BootProfile, readBootProfile } from './boot-profile.ts';
import { guestSource, hostTreeSource, loadBootFiles, sameBoot, type BootFiles } from './boot-files.ts';
import { readTail } from './file-tail.ts';
import type { ImageProvider, MachineImage } from './image.ts';
import { MachineError, type Machine, type MachineCapabilities, type MachineIdentity, type Session, type SessionOptions } from './machine.ts';
import { BOOTED, bootedDir, dropBooted, keepBooted, takeBooted } from './booted-snapshot.ts';
import { createOverlay, markUsed, pruneUnusedImages } from './disk.ts';
import { pvhKernel } from './pvh-kernel.ts';
import { qemuCommandLine, qemuCpu } from './qemu-command.ts';
import { type Placed, placeMachine } from './qemu-place.ts';
import { QemuRun } from './qemu-run.ts';
import { activeFstx, loginSession } from './session-helpers.ts';
import { within } from './within.ts';

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
  /**
   * Start the first boot from the state an earlier cold boot of this image with the same command
   * line saved (booted-snapshot.ts), or save it after booting cold (default: true, but not with
   * sshPort). False always boots cold: a boot profile, a boot benchmark, a test of what a boot does.
   */
  warmStart?: boolean;
}

/** Where the image's shutdown script waits for the host before it stops processes. */
const HOST_READY = '/run/onix/host-ready';
/** Where a reboot this driver asks for is announced to the image's shutdown script. */
const HOST_REBOOT = '/run/onix/host-reboot';

const CONSOLE_TAIL = 3000;

export class QemuMachine implements Machine {
  readonly capabilities: MachineCapabilities = { kernel: true, reboot: true, snapshot: true, crash: true };
  private placed: Placed | null = null;
  /** The QEMU process now (or last) running. */
  private run: QemuRun | null = null;
  private booting: Promise<void> | null = null;
  private readonly snapshots = new Map<string, BootFiles>();
  /** Set while reboot() or crash() restarts QEMU itself. */
  private hostRestart = false;
  /** QEMU coming back after a reboot started inside the guest. */
  private restarting: Promise<void> | null = null;
  /** QEMU last started from a snapshot (a warm start, a restore), not a boot: there is no boot profile. */
  private warm = false;

  constructor(private readonly options: QemuMachineOptions = {}) {}

  consoleLog(): string {
    return this.placed ? readTail(this.placed.paths.console, 256 * 1024) : '';
  }

  private consoleTail(): string {
    const stderr = this.run?.stderr.trim();
    return this.consoleLog().slice(-CONSOLE_TAIL) + (stderr ? `\n[qemu stderr]\n${stderr.slice(-1000)}` : '');
  }

  private error(message: string): MachineError {
    return new MachineError(`vm: ${message}`, this.consoleTail());
  }

  private get bootTimeoutMs(): number {
    return this.options.bootTimeoutMs ?? (this.placed?.accel === 'kvm' ? 60_000 : 300_000);
  }

  async boot(): Promise<void> {
    this.booting ??= this.firstBoot().catch(async (e: unknown) => {
      this.booting = null;
      const err = e instanceof MachineError ? e : this.error((e as Error).message);
      await this.run?.stop();
      throw err;
    });
    await this.booting;
    if (this.restarting) await this.restarting;
  }

  private async firstBoot(): Promise<void> {
    const progress = this.options.onProgress ?? (() => {});
    if (!this.options.image) throw this.error('no image to boot (pass image: the test image is testImage in onix/image/provider.ts)');
    this.placed = await placeMachine(this.options.image, this.options.accel, this.options.qemu, progress);
    mkdirSync(this.bootCache, { recursive: true });
    markUsed(this.bootCache);
    pruneUnusedImages(dirname(this.bootCache), this.placed.image.imageId, (name) => (/^[0-9a-f]{20}$/.test(name) ? name : null));
    const files = await loadBootFiles(hostTreeSource(this.placed.image.rootfs), this.bootCache);
    // A machine forwarding an SSH port boots cold: the port is on its command line, so each
    // port would save a state of its own.
    if (this.options.warmStart === false || this.options.sshPort !== undefined) {
      progress(`booting ${files.entry} under ${this.placed.accel}`);
      await this.startQemu(files);
      return;
    }
    const saved = await bootedDir(this.placed.image.imageId, this.qemu, await this.commandLine(files), {
      [this.placed.dir]: '<machine>',
      [MACHINE_CACHE]: '<boot files>',
    });
    if (takeBooted(saved, this.placed.paths)) {
      progress(`starting ${files.entry} under ${this.placed.accel} from its booted state (${saved})`);
      try {
        await this.startQemu(files, BOOTED);
        await this.setClock();
        return;
      } catch (e) {
        // A state this QEMU cannot load (another build, a damaged copy): drop it and boot cold.
        progress(`cannot start from the saved booted state (${(e as Error).message.split('\n')[0]}); booting cold`);
        await this.run?.stop();
        dropBooted(saved);
        await Promise.all([
          createOverlay(this.placed.bases[0]!, this.placed.paths.overlay),
          createOverlay(this.placed.bases[1]!, this.placed.paths.bootOverlay),
        ]);
      }
    }
    progress(`booting ${files.entry} under ${this.placed.accel}`);
    await this.startQemu(files);
    try {
      await this.keepBootedState(saved);
      progress(`saved the booted state for the next start (${saved})`);
    } catch (e) {
      // Only a speed-up for later machines: this one booted, and goes on (a full disk, say).
      progress(`could not save the booted state (${(e as Error).message.split('\n')[0]}); the next machine boots too`);
    }
  }

  /** Saves the just-booted machine for the next warm start (savevm, then a copy while QEMU is paused). */
  private async keepBootedState(saved: string): Promise<void> {
    const run = this.running();
    await this.prepareGuestForSave(run);
    const out = await run.qmp.hmp(`savevm ${BOOTED}`);
    if (out.trim()) throw this.error(`savevm ${BOOTED} failed: ${out.trim()}`);
    // `stop` drains and flushes both overlays, so the copies are whole.
    await run.qmp.execute('stop');
    try {
      keepBooted(saved, this.placed!.paths);
    } finally {
      await run.qmp.execute('cont');
    }
  }

  /** Sets the guest's clock to the host's: it stood still in the snapshot QEMU just loaded. */
  private async setClock(): Promise<void> {
    const s = await this.running().conn.open({ login: false, shell: '/bin/sh' });
    try {
      await s.run(`date -u -s @${Math.round(Date.now() / 1000)} >/dev/null`, { timeoutMs: 10_000 });
    } finally {
      await s.close();
    }
  }

  /**
   * Readies the guest for savevm. A smaller RAM image saves and loads faster: drop clean page
   * cache first (what is mapped stays). And the kernel makes the boot id on its first read
   * (drivers/char/random.c proc_do_uuid): unread when saved, every start from the state drew
   * a new one, so machines started from one saved boot did not agree they were one boot.
   */
  private async prepareGuestForSave(run: QemuRun): Promise<void> {
    const s = await run.conn.open({ login: false, shell: '/bin/sh' });
    await s.run('cat /proc/sys/kernel/random/boot_id >/dev/null; sync; echo 3 > /proc/sys/vm/drop_caches', { timeoutMs: 60_000 });
    await s.close();
  }

  private get qemu(): string {
    return this.options.qemu ?? 'qemu-system-x86_64';
  }

  /** QEMU's command line for this machine booting `files` (or loading snapshot `loadvm`). */
  private async commandLine(files: BootFiles, loadvm?: string): Promise<string[]> {
    const { paths, accel } = this.placed!;
    return qemuCommandLine({
      accel,
      paths,
      files,
      kernel: await pvhKernel(files.kernel),
      memoryMiB: this.options.memoryMiB ?? 512,
      kernelOptions: this.options.kernelOptions,
      sshPort: this.options.sshPort,
      loadvm,
    });
  }

  private async startQemu(files: BootFiles, loadvm?: string): Promise<void> {
    const { paths, bases } = this.placed!;
    // A reboot opens the base disks again: used now, so no run prunes them (disk.ts) meanwhile.
    for (const base of bases) if (existsSync(base)) markUsed(base);
    const args = await this.commandLine(files, loadvm);
    const run = QemuRun.start({
      qemu: this.qemu,
      args,
      paths,
      files,
      bootTimeoutMs: this.bootTimeoutMs,
      consoleTail: () => this.consoleLog().slice(-CONSOLE_TAIL),
      onGoingDown: (r) => this.goingDown(r),
    });
    this.run = run;
    await run.ready;
    this.warm = loadvm !== undefined;
  }

  /**
   * The guest is shutting down (its shutdown script signalled the agent). When
   * reboot() or crash() is not already restarting it, take the next entry's files
   * and start QEMU again once it stopped; sessions asked for meanwhile wait for
   * that. Either way, tell the guest to go on.
   */
  private goingDown(run: QemuRun): void {
    const taken = this.hostRestart ? Promise.resolve(run.files) : this.nextBootFiles().catch(() => run.files);
    if (!this.hostRestart && !run.stopped) {
      this.restarting = this.comeBack(taken, run);
      this.restarting.catch(() => {}); // reported by the next boot() or session()
    }
    void taken.then(async () => {
      try {
        const s = await run.conn.open({ login: false, shell: '/bin/sh' });
        await s.run(`mkdir -p ${dirname(HOST_READY)} && : > ${HOST_READY}`, { timeoutMs: 10_000 });
        await s.close();
      } catch {
        // already down: nothing waits any more
      }
    });
  }

  /** Starts QEMU again after a reboot the guest started; a failure stays for boot() to report. */
  private async comeBack(next: Promise<BootFiles>, run: QemuRun): Promise<void> {
    const files = await next;
    const down = await this.wentDown(run, this.bootTimeoutMs);
    if (this.run !== run || run.stopped) return; // shut down or restored meanwhile
    if (!down) {
      const err = this.error('the guest said it was going down but did not stop');
      await run.stop();
      throw err;
    }
    // Under -no-reboot a reboot and a poweroff both end QEMU; only QMP's reason tells them apart.
    if (run.qmp.lastShutdown === 'guest-shutdown') throw this.error('the guest powered off (it did not reboot)');
    try {
      await this.startQemu(files);
    } catch (e) {
      throw e instanceof MachineError ? e : this.error((e as Error).message);
    }
    this.restarting = null;
  }

  /** Whether `run`'s QEMU exits within `ms`. */
  private wentDown(run: QemuRun, ms: number): Promise<boolean> {
    return within(
      run.exited.then(() => true),
      ms,
      () => false,
    );
  }

  /** The running machine's QEMU run. */
  private running(): QemuRun {
    const run = this.run;
    if (!run || run.down || run.stopped || !run.connected) throw this.error('the machine is not running (call boot first)');
    return run;
  }

  private connection(): AgentConnection {
    return this.running().conn;
  }

  async identity(): Promise<MachineIdentity> {
    await this.boot();
    const { image, accel } = this.placed!;
    return { target: 'vm', imageId: image.imageId, fstx: await activeFstx(this), host: `qemu ${accel}, cpu ${qemuCpu(accel)}` };
  }

  async session(options: SessionOptions = {}): Promise<Session> {
    await this.boot();
    return loginSession(this.connection(), options, this.options.defaultTimeoutMs);
  }

  /** Where the seconds of the last boot (or reboot) went, read from the guest (boot-profile.ts). */
  async bootProfile(): Promise<BootProfile> {
    await this.boot();
    if (this.warm) throw this.error('this machine started from a saved booted state, not a boot: make it with warmStart: false for a profile');
    const run = this.running();
    const s = await run.conn.open({ login: false, shell: '/bin/sh' });
    try {
      return await readBootProfile(s, run.startedAt, run.readyAt);
    } finally {
      await s.close();
    }
  }

  /**
   * Kernels and initrds copied to the host, keyed by path, size and mtime; shared by
   * the machines of one image (the image's own kernel is never copied back).
   */
  private get bootCache(): string {
    return join(MACHINE_CACHE, 'boot', this.placed!.image.imageId);
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
    const run = this.running();
    const next = await this.nextBootFiles();
    run.conn.dropSessions();
    const s = await run.conn.open({ login: false, shell: '/bin/sh' });
    // HOST_REBOOT lets the image's shutdown script reboot as soon as it is done. The
    // machine goes down before it answers.
    void s.run(`mkdir -p ${dirname(HOST_REBOOT)} && : > ${HOST_REBOOT}; reboot`, { timeoutMs: 10_000 }).catch(() => {});
    if (!(await this.wentDown(run, this.bootTimeoutMs))) {
      const err = this.error('the guest did not go down after `reboot`');
      await run.stop();
      throw err;
    }
    await this.startQemu(next);
  }

  async crash(): Promise<void> {
    await this.restartedByHost(() => this.crashNow());
  }

  private async crashNow(): Promise<void> {
    const run = this.running();
    let next = run.files;
    try {
      next = await within(this.nextBootFiles(), 20_000, () => Promise.reject(new Error('timeout')));
    } catch {
      // A wedged guest boots what it booted last time.
    }
    run.conn.dropSessions();
    try {
      await run.qmp.execute('system_reset'); // with -no-reboot QEMU exits instead of resetting
    } catch {
      // QMP gone: kill below
    }
    if (!(await this.wentDown(run, 10_000))) await run.stop();
    await this.startQemu(next);
  }

  async snapshot(name = 'base'): Promise<void> {
    await this.boot();
    const run = this.running();
    await run.conn.closeSessions();
    await this.prepareGuestForSave(run);
    const out = await run.qmp.hmp(`savevm ${hmpName(name)}`);
    if (out.trim()) throw this.error(`savevm ${name} failed: ${out.trim()}`);
    this.snapshots.set(name, run.files);
  }

  async restore(name = 'base'): Promise<void> {
    await this.boot();
    const files = this.snapshots.get(name);
    if (!files) throw this.error(`no snapshot named ${name}`);
    const run = this.run;
    if (run?.connected) run.conn.dropSessions();
    if (run && !run.down && !run.stopped && run.connected && sameBoot(files, run.files)) {
      const out = await run.qmp.hmp(`loadvm ${hmpName(name)}`);
      if (out.trim()) throw this.error(`loadvm ${name} failed: ${out.trim()}`);
      await run.conn.waitReady(30_000, 100);
      await this.setClock();
      return;
    }
    // Another kernel is running (a reboot since): start QEMU from the snapshot.
    await run?.stop();
    await this.startQemu(files, hmpName(name));
    await this.setClock();
  }

  async copyOut(machinePath: string, hostPath: string): Promise<void> {
    await this.boot();
    await this.connection().copyOut(machinePath, hostPath);
  }

  async shutdown(): Promise<void> {
    this.booting = null;
    this.restarting = null;
    await this.run?.stop();
    this.run = null;
    if (this.placed) rmSync(this.placed.dir, { recursive: true, force: true });
    this.placed = null;
    this.snapshots.clear();
  }
}

function hmpName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new MachineError(`vm: snapshot names are letters, digits, "_", "." and "-": ${name}`);
  return name;
}
