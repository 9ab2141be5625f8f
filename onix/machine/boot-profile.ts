// Where the seconds of one VM boot went, read from the guest's kernel log.
//
// The kernel stamps every line with its clock (CONFIG_PRINTK_TIME), which starts when
// the decompressed kernel does. The image's boot scripts and the agent write their own
// phases into the same log (`onix-boot: <phase>` on /dev/kmsg), so one clock orders
// them all. What came before the kernel (firmware, loading and decompressing the
// kernel) is the host's time from QEMU's start to the agent's answer minus the guest's
// uptime at that answer. With `initcall_debug` on the command line the kernel also
// logs each initcall's duration, and the slowest are listed.
import type { Session } from './machine.ts';

/** Kernel options a profiled boot adds: every initcall timed, and a log big enough to keep them. */
export const PROFILE_KERNEL_OPTIONS = 'initcall_debug log_buf_len=4M';

export interface BootPhase {
  name: string;
  /** Seconds since QEMU started. */
  start: number;
  seconds: number;
}

export interface BootProfile {
  /** QEMU start to the agent's first answer, in seconds (host clock). */
  total: number;
  phases: BootPhase[];
  /** The slowest initcalls (empty unless the boot had `initcall_debug`). */
  initcalls: { name: string; seconds: number }[];
}

/** What the host knows of a boot: from QEMU's start to the guest's uptime read right after the agent answered. */
export interface BootClock {
  /** QEMU start to the agent's first answer, in ms. */
  readyMs: number;
  /** QEMU start to the moment /proc/uptime was read back, in ms. */
  uptimeReadMs: number;
  /** The guest's /proc/uptime then, in seconds. */
  uptime: number;
}

const LINE = /^\[\s*(\d+\.\d+)\]\s?(.*)$/;
/** Kernel-side landmarks that name a phase as well as the scripts' marks do. */
const KERNEL_MARKS: [RegExp, string][] = [[/^Run \/init as init process/, 'initramfs (unpacked, /init starts)']];
/** The scripts' own marks, under the names the profile prints. */
const MARK_NAMES: Record<string, string> = {
  initramfs: 'initramfs: /init',
  modules: 'initramfs: modules loaded',
  'root-mounted': 'initramfs: root mounted',
  'moss-hook-done': 'initramfs: moss hook done, switch_root',
  sysinit: 'init: sysinit',
  seam: 'init: the seam',
  'seam-done': 'init: the seam done',
  // busybox init starts both at once; nix-daemon's socket is bound at once (the daemon starts on
  // its first client), so this is the agent's Node, loaded cold under TCG.
  'nix-daemon': "nix-daemon's socket; the agent starts",
  'agent-start': 'the agent starts (Node has loaded it)',
  'agent-ready': 'the agent answers',
};

/**
 * The phases of one boot from its kernel log (`dmesg`) and the host's clock. Each
 * phase runs from its mark to the next one; the first is firmware plus kernel
 * decompression, the second the kernel's own start-up up to the first mark.
 */
export function parseBootProfile(dmesg: string, clock: BootClock): BootProfile {
  const kernelZero = clock.uptimeReadMs / 1000 - clock.uptime;
  const marks: { at: number; name: string }[] = [];
  const initcalls: { name: string; seconds: number }[] = [];
  for (const raw of dmesg.split('\n')) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const at = Number(m[1]);
    const text = m[2];
    const mark = /^onix-boot: (\S+)/.exec(text);
    if (mark) {
      // A respawned agent or daemon marks again: the first time is the boot's.
      const name = MARK_NAMES[mark[1]] ?? mark[1];
      if (!marks.some((x) => x.name === name)) marks.push({ at, name });
      continue;
    }
    for (const [re, name] of KERNEL_MARKS) if (re.test(text) && !marks.some((x) => x.name === name)) marks.push({ at, name });
    const call = /^initcall (\S+?)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)? returned -?\d+ after (\d+) usecs/.exec(text);
    if (call) initcalls.push({ name: call[1], seconds: Number(call[2]) / 1e6 });
  }
  marks.sort((a, b) => a.at - b.at);
  const total = clock.readyMs / 1000;
  const points = [{ at: -kernelZero, name: 'firmware, kernel load and decompression' }, { at: 0, name: 'kernel start-up (initcalls)' }, ...marks];
  const phases: BootPhase[] = points.map((p, i) => {
    const start = p.at + kernelZero;
    const end = i + 1 < points.length ? points[i + 1].at + kernelZero : total;
    return { name: p.name, start, seconds: Math.max(0, end - start) };
  });
  initcalls.sort((a, b) => b.seconds - a.seconds);
  return { total, phases, initcalls: initcalls.slice(0, 10) };
}

/** Reads the kernel log and uptime of a machine that just booted (QEMU started `startedAt`, performance.now() ms). */
export async function readBootProfile(session: Session, startedAt: number, readyAt: number): Promise<BootProfile> {
  const r = await session.run('cat /proc/uptime; dmesg', { timeoutMs: 30_000 });
  const uptimeReadMs = performance.now() - startedAt - r.durationMs / 2;
  const [first, ...rest] = r.stdout.split('\n');
  const uptime = Number(first.split(' ')[0]);
  return parseBootProfile(rest.join('\n'), { readyMs: readyAt - startedAt, uptimeReadMs, uptime });
}

/** The profile as text: one line per phase (start, length, name), then the slowest initcalls. */
export function formatBootProfile(p: BootProfile): string {
  const lines = p.phases.map((ph) => `${ph.start.toFixed(2).padStart(7)} s ${ph.seconds.toFixed(2).padStart(6)} s  ${ph.name}`);
  lines.push(`${p.total.toFixed(2).padStart(7)} s          ready`);
  if (p.initcalls.length) {
    lines.push('slowest initcalls:');
    for (const c of p.initcalls) lines.push(`        ${c.seconds.toFixed(3).padStart(6)} s  ${c.name}`);
  }
  return lines.join('\n');
}
