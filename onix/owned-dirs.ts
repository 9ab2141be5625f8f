// Working directories that name their owner, and the sweep that removes those whose owner
// is gone. A run killed with SIGKILL cannot clean up after itself: its QEMU processes die
// with it (process-guard.ts), but a VM's directory with its qcow2 overlay (~165 MB), a
// sandbox's root, an image build's staging tree or a site build's staging folder stays.
// So each such directory gets an owner file when it is made (the pid, the process's start
// time and the boot id, so a pid reused by another process, or a reboot, does not pass for
// the owner), and every run that is about to make new ones first removes the orphans.
// A directory without an owner file is never touched: it may be a run's directory in the
// instant between mkdtemp and the claim, or one made by code that does not claim.

import { mkdtempSync, readFileSync, rmSync, type Stats, writeFileSync } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The file in an owned directory that names its owner. */
export const OWNER_FILE = '.onix-owner';

/** A process, told apart from any later process that gets the same pid. */
export interface Owner {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat, field 22). */
  startTicks: number;
  /** /proc/sys/kernel/random/boot_id: start times count from this boot. */
  bootId: string;
}

/**
 * Prefixes (in the temporary folder) of the machine drivers' working directories. The local
 * target's home is not among them: it is the cwd of the commands it runs, where an owner
 * file would show up in their output.
 */
const MACHINE_DIR_PREFIXES = ['onix-vm-', 'onix-sandbox-'] as const;

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/**
 * Start time of `pid` in clock ticks, or null when no such process runs. A zombie does not:
 * it has exited and only waits for its parent to reap it (a dev server killed with -9 stays
 * one until the shell or test that started it gets to it), so what it owned is left over.
 */
function startTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null; // field 3: state
  return Number(fields[19]); // field 22 overall: starttime
}

let self: Owner | null = null;

/** This process. */
export function thisProcess(): Owner {
  if (!self) self = { pid: process.pid, startTicks: startTicks(process.pid) ?? 0, bootId: bootId() };
  return self;
}

/** Whether `owner` is still running. */
export function isAlive(owner: Owner): boolean {
  if (owner.bootId !== bootId()) return false;
  return startTicks(owner.pid) === owner.startTicks;
}

/** This process as an owner record's text (a lock file's or an owner file's content). */
export function ownerText(): string {
  return `${JSON.stringify(thisProcess())}\n`;
}

/** The owner a record names, or null when the text names none (a foreign or torn file). */
export function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.startTicks === 'number' && typeof o.bootId === 'string' ? (o as Owner) : null;
  } catch {
    return null;
  }
}

/** Mark `dir` (which exists) as this process's. */
export function claimDir(dir: string): void {
  writeFileSync(join(dir, OWNER_FILE), ownerText());
}

/** Drop the mark before `dir` is published under its final name (an image, dist/). */
export function releaseDir(dir: string): void {
  rmSync(join(dir, OWNER_FILE), { force: true });
}

/** A new directory `<parent>/<prefix>XXXXXX` owned by this process (parent default: the temporary folder). */
export function makeOwnedDir(prefix: string, parent: string = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  claimDir(dir);
  return dir;
}

/** The owner a directory names, or null when it names none (or not readably). */
export async function ownerOf(dir: string): Promise<Owner | null> {
  try {
    return parseOwner(await readFile(join(dir, OWNER_FILE), 'utf8'));
  } catch {
    return null;
  }
}

export interface SweepResult {
  /** Directories removed. */
  removed: string[];
  /** Disk space they took, in bytes (allocated blocks: a sparse overlay counts what it holds). */
  bytes: number;
  /** Orphans that could not be removed, with the error's code: the next run tries again. */
  kept: string[];
}

/** Remove every directory in `parent` whose name `matches` and whose owner is gone. */
export async function sweepOrphans(parent: string, matches: (name: string) => boolean): Promise<SweepResult> {
  const result: SweepResult = { removed: [], bytes: 0, kept: [] };
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return result; // no such folder: nothing left behind
  }
  for (const name of names.filter(matches).sort()) {
    const dir = join(parent, name);
    const owner = await ownerOf(dir);
    if (!owner || isAlive(owner)) continue;
    const bytes = await diskUsage(dir);
    try {
      // A namespace whose processes just died can hold its mounts a moment longer: retried.
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    } catch (e) {
      result.kept.push(`${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    result.removed.push(dir);
    result.bytes += bytes;
  }
  return result;
}

/** Bytes allocated to `path` and everything below it (symlinks not followed). */
async function diskUsage(path: string): Promise<number> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch {
    return 0;
  }
  let total = st.blocks * 512;
  if (st.isDirectory()) {
    let names: string[] = [];
    try {
      names = await readdir(path);
    } catch {
      /* unreadable: counted as empty */
    }
    for (const n of names) total += await diskUsage(join(path, n));
  }
  return total;
}

/** Add `more` to `into`. */
export function addSweep(into: SweepResult, more: SweepResult): SweepResult {
  into.removed.push(...more.removed);
  into.bytes += more.bytes;
  into.kept.push(...more.kept);
  return into;
}

/** The machine drivers' orphaned working directories in the temporary folder (default: os.tmpdir()). */
export function sweepMachineDirs(parent: string = tmpdir()): Promise<SweepResult> {
  return sweepOrphans(parent, (name) => MACHINE_DIR_PREFIXES.some((p) => name.startsWith(p)));
}

/** The staging folders a killed site build leaves beside its output folder `outDir` (`dist.<pid>.new`). */
export function isSiteStaging(outDirName: string): (name: string) => boolean {
  return (name) => name.startsWith(`${outDirName}.`) && name.endsWith('.new');
}

/** One line on what a sweep freed, or null when it found nothing. */
export function describeSweep(result: SweepResult): string | null {
  const n = result.removed.length;
  const removed = n === 0 ? null : `removed ${n} working ${n === 1 ? 'directory' : 'directories'} left by killed runs, freeing ${formatBytes(result.bytes)}`;
  const kept = result.kept.length ? `could not remove ${result.kept.join(', ')}, left by killed runs; the next run tries again` : null;
  return [removed, kept].filter(Boolean).join('; ') || null;
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/**
 * The image builder's orphaned staging trees under its cache folder: an image being
 * assembled (`images/<id>.tmp-<pid>`), a stone being built (`stones/<stone>.tmp-<pid>`) and
 * the bundled onix, moss and agent (`bundle/<pid>`).
 */
export async function sweepImageStaging(cacheDir: string): Promise<SweepResult> {
  const staging = (name: string): boolean => /\.tmp-\d+$/.test(name);
  const result = await sweepOrphans(join(cacheDir, 'images'), staging);
  addSweep(result, await sweepOrphans(join(cacheDir, 'stones'), staging));
  return addSweep(result, await sweepOrphans(join(cacheDir, 'bundle'), (name) => /^\d+$/.test(name)));
}
