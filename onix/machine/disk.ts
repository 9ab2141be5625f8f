// Disks for the VM: the image's root tree as an ext4 filesystem made with
// `mke2fs -d` (no loop mounts, no root needed), converted once per image id to a
// qcow2 base in .cache/machine/disks/, and a qcow2 overlay per machine on top.
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MACHINE_CACHE } from './agent-bundle.ts';
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

export interface DiskOptions {
  /** Free space added on top of the root tree, in MiB (default: 2048). */
  freeMiB?: number;
}

const building = new Map<string, Promise<string>>();

/** The qcow2 base disk for an image, built on first use (once per process, however many machines ask). */
export function baseDisk(imageId: string, rootfs: string, options: DiskOptions = {}): Promise<string> {
  let p = building.get(imageId);
  if (!p) {
    p = makeBaseDisk(imageId, rootfs, options);
    building.set(imageId, p);
    p.catch(() => building.delete(imageId));
  }
  return p;
}

async function makeBaseDisk(imageId: string, rootfs: string, options: DiskOptions): Promise<string> {
  const dir = join(MACHINE_CACHE, 'disks');
  const out = join(dir, `${imageId}.qcow2`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const used = Number((await mustRun('du', ['-sxb', rootfs], 'coreutils')).split(/\s/)[0]);
  const sizeMiB = Math.ceil((used * 1.25) / 2 ** 20) + (options.freeMiB ?? 2048);
  // The raw filesystem and its conversion are made in a staging folder that names its owner:
  // a run killed in mke2fs leaves it, and the next base disk build removes it.
  await sweepOrphans(dir, (name) => name.startsWith('staging-'));
  const staging = makeOwnedDir(`staging-${imageId}-`, dir);
  const raw = join(staging, 'disk.raw');
  const tmp = join(staging, 'disk.qcow2');
  try {
    writeFileSync(raw, '');
    truncateSync(raw, sizeMiB * 2 ** 20);
    await mustRun('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'onix', '-d', rootfs, raw], 'e2fsprogs');
    await mustRun('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, tmp], 'qemu-utils');
    publishOnce(tmp, out);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
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
