// Disks for the VM, each converted once per image id to a qcow2 base in DISK_CACHE (shared
// by every clone, as the image is) with a qcow2 overlay per machine on top, all made without
// loop mounts or root:
//  - the root disk: the image's root tree as an ext4 filesystem (`mke2fs -d`), with
//    /boot and /efi left empty (they are mount points);
//  - the boot disk: a GPT with the EFI system partition (mounted at /efi) and an
//    XBOOTLDR partition (mounted at /boot), both FAT (`mkfs.vfat --offset`, filled
//    with mtools), from the tree's /efi and /boot. blsforme finds the two by their GPT
//    type GUIDs (blsforme bootenv.rs:128-163); the initramfs mounts them by the
//    partition names given beside the types (initramfs-init).
import { spawn } from 'node:child_process';
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_HOME } from '../cache-home.ts';
import { MachineError } from './machine.ts';
import { makeOwnedDir, sweepOrphans } from '../owned-dirs.ts';

export function runTool(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('error', (e) => resolve({ status: 127, stdout, stderr: `${cmd}: ${e.message}` }));
    p.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

async function mustRun(cmd: string, args: string[], pkg: string): Promise<string> {
  const r = await runTool(cmd, args);
  if (r.status === 127) throw new MachineError(`${cmd} is missing: install the Debian package ${pkg}`);
  if (r.status !== 0) throw new MachineError(`${cmd} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

/**
 * Where base disks are made: in the user's cache, beside the images they are made from. A base
 * disk is a function of its image id alone, and an image is shared by every clone, so a fresh
 * clone boots the disk another clone made (mke2fs and qemu-img convert of a 2.4 GB tree: 25 s)
 * and keeps no copy of its own.
 */
export const DISK_CACHE = join(CACHE_HOME, 'disks');

export interface DiskOptions {
  /** Free space added on top of the root tree, in MiB (default: 2048). */
  freeMiB?: number;
}

const building = new Map<string, Promise<string>>();

/** Builds `<name>.qcow2` once per process (however many machines ask) unless it is published already. */
function cachedDisk(name: string, make: (raw: string) => Promise<void>): Promise<string> {
  let p = building.get(name);
  if (!p) {
    p = makeDisk(name, make);
    building.set(name, p);
    p.catch(() => building.delete(name));
  }
  return p;
}

async function makeDisk(name: string, make: (raw: string) => Promise<void>): Promise<string> {
  const dir = DISK_CACHE;
  const out = join(dir, `${name}.qcow2`);
  if (existsSync(out)) {
    markUsed(out);
    return out;
  }
  mkdirSync(dir, { recursive: true });
  // The raw disk and its conversion are made in a staging folder that names its owner:
  // a run killed in mke2fs leaves it, and the next disk build removes it.
  await sweepOrphans(dir, (n) => n.startsWith('staging-'));
  const staging = makeOwnedDir(`staging-${name}-`, dir);
  const raw = join(staging, 'disk.raw');
  const tmp = join(staging, 'disk.qcow2');
  try {
    await make(raw);
    await mustRun('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, tmp], 'qemu-utils');
    publishOnce(tmp, out);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  pruneUnusedImages(dir, name.replace(/\.boot$/, ''), diskImageId);
  return out;
}

/**
 * Removes what `dir` holds for images other than `keep` that no machine has used for an hour,
 * beyond the two images used last: `idOf` names the image an entry belongs to (null: not
 * ours). Each change to the image makes new entries (a day's work had left 30 GB of base
 * disks); a machine still running on a removed one keeps it open, and the next machine of
 * that image makes it again. Returns the image ids removed.
 */
export function pruneUnusedImages(dir: string, keep: string, idOf: (name: string) => string | null, now = Date.now()): string[] {
  const entries = new Map<string, { names: string[]; lastUse: number }>();
  for (const name of readdirSync(dir)) {
    const id = idOf(name);
    if (!id || id === keep) continue;
    const e = entries.get(id) ?? { names: [], lastUse: 0 };
    e.names.push(name);
    e.lastUse = Math.max(e.lastUse, statSync(join(dir, name)).mtimeMs);
    entries.set(id, e);
  }
  const removed = [...entries]
    .sort((a, b) => b[1].lastUse - a[1].lastUse)
    .slice(2)
    .filter(([, e]) => e.lastUse < now - 3600_000);
  for (const [, e] of removed) for (const name of e.names) rmSync(join(dir, name), { recursive: true, force: true });
  return removed.map(([id]) => id);
}

/** Marks a cache entry used now: what pruneUnusedImages goes by. */
export function markUsed(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

/** The image id of a DISK_CACHE entry: `<id>.qcow2` (root), `<id>.boot.qcow2` (boot), `<id>.booted-<key>` (booted-snapshot.ts). */
export const diskImageId = (name: string): string | null => /^([0-9a-f]{20})(\.boot\.qcow2|\.qcow2|\.booted-[0-9a-f]{16})$/.exec(name)?.[1] ?? null;

function sizedFile(path: string, bytes: number): void {
  writeFileSync(path, '');
  truncateSync(path, bytes);
}

/** The directories the boot disk holds, which the root filesystem keeps only as empty mount points. */
export const BOOT_MOUNTS = ['/efi', '/boot'] as const;

/** The qcow2 base root disk for an image, built on first use. */
export function baseDisk(imageId: string, rootfs: string, options: DiskOptions = {}): Promise<string> {
  return cachedDisk(imageId, async (raw) => {
    const used = Number((await mustRun('du', ['-sxb', rootfs], 'coreutils')).split(/\s/)[0]);
    sizedFile(raw, (Math.ceil((used * 1.25) / 2 ** 20) + (options.freeMiB ?? 2048)) * 2 ** 20);
    await mustRun('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'onix', '-d', rootfs, raw], 'e2fsprogs');
    // What the boot disk holds leaves the root filesystem, so nothing hides under its mounts.
    const script = BOOT_MOUNTS.flatMap((m) => removalScript(rootfs, m));
    if (script.length > 0) {
      writeFileSync(`${raw}.debugfs`, `${script.join('\n')}\n`);
      await mustRun('debugfs', ['-w', '-f', `${raw}.debugfs`, raw], 'e2fsprogs');
    }
  });
}

/** debugfs commands removing everything below `dir` of the tree (children before their directory). */
function removalScript(rootfs: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(rootfs, rel)).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const child = `${rel}/${n}`;
      if (lstatSync(join(rootfs, child)).isDirectory()) {
        walk(child);
        out.push(`rmdir "${child}"`);
      } else out.push(`rm "${child}"`);
    }
  };
  walk(dir);
  return out;
}

/** A partition of the boot disk: its GPT type (the Discoverable Partitions Specification's), name, size and tree. */
export interface BootPartition {
  /** GPT partition name, which the initramfs mounts by. */
  name: string;
  type: string;
  sizeMiB: number;
  /** Absolute path in the machine whose tree it holds, and where it is mounted. */
  mount: string;
}

/** The ESP (type C12A7328-...) and XBOOTLDR (type BC13C2FF-...) of the boot disk. */
export const BOOT_PARTITIONS: readonly BootPartition[] = [
  { name: 'esp', type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', sizeMiB: 64, mount: '/efi' },
  { name: 'xbootldr', type: 'BC13C2FF-59E6-4262-A352-B275FD6F7172', sizeMiB: 192, mount: '/boot' },
];

/** The qcow2 base boot disk for an image (GPT: ESP, XBOOTLDR, both FAT), built on first use. */
export function bootDisk(imageId: string, rootfs: string): Promise<string> {
  return cachedDisk(`${imageId}.boot`, async (raw) => {
    const startMiB = 1;
    const total = BOOT_PARTITIONS.reduce((n, p) => n + p.sizeMiB, startMiB + 1);
    sizedFile(raw, total * 2 ** 20);
    let at = startMiB;
    const script = ['label: gpt'];
    for (const p of BOOT_PARTITIONS) {
      script.push(`start=${at}MiB, size=${p.sizeMiB}MiB, type=${p.type}, name=${p.name}`);
      at += p.sizeMiB;
    }
    await mustRunInput('sfdisk', ['--quiet', raw], `${script.join('\n')}\n`, 'fdisk');
    at = startMiB;
    for (const p of BOOT_PARTITIONS) {
      const offset = at * 2 ** 20;
      at += p.sizeMiB;
      // --offset counts 512-byte sectors; the size is in 1 KiB blocks.
      await mustRun('mkfs.vfat', ['-n', p.name.toUpperCase(), '--offset', String(offset / 512), raw, String(p.sizeMiB * 1024)], 'dosfstools');
      const tree = join(rootfs, p.mount);
      const names = existsSync(tree) ? readdirSync(tree).sort() : [];
      if (names.length > 0) await mustRun('mcopy', ['-s', '-p', '-m', '-i', `${raw}@@${offset}`, ...names.map((n) => join(tree, n)), '::/'], 'mtools');
    }
  });
}

function mustRunInput(cmd: string, args: string[], input: string, pkg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    p.on('error', (e) => reject(new MachineError(`${cmd} is missing: install the Debian package ${pkg} (${e.message})`)));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new MachineError(`${cmd} failed: ${out.trim().split('\n').slice(-3).join(' ')}`))));
    p.stdin.end(input);
  });
}

/**
 * Publishes the file `tmp` as `out` unless `out` exists: the first one wins and is
 * never replaced. A base disk must not be: mke2fs lays out each run differently, and
 * a machine of another process whose overlay sits on the published base would read
 * its writes over a foreign layout at its next QEMU start (a reboot). Returns whether
 * `tmp` was published (the caller removes it either way).
 */
export function publishOnce(tmp: string, out: string): boolean {
  try {
    linkSync(tmp, out);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

/** A fresh qcow2 overlay over `base` (writes go to the overlay only). */
export async function createOverlay(base: string, path: string): Promise<void> {
  await mustRun('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', path], 'qemu-utils');
}
