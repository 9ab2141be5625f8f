// A VM's state right after its first boot, kept in DISK_CACHE beside the base disks, so the next
// machine of the same image and command line starts from it (QEMU's -loadvm) in about a second
// instead of booting for four or more. It is what the spec's pool already does between cases
// (snapshot "base" right after boot, restored before each case), kept across processes: every
// `npm run spec`, test file and `npm run vm` paid a whole boot before.
//
//  - The key is everything that shapes the guest a boot produces: how a state is made (RECIPE),
//    QEMU's version (its snapshot format), and its whole command line with the machine's own folder and the clone's boot
//    file cache taken out (so every clone of an image shares its states): image (the base disks
//    are a function of its id), kernel, initrd and options (their cache file names are hashes of
//    what they hold), memory, CPU model, accelerator and devices. Anything else boots cold and
//    saves a new one.
//  - Saved by the machine that booted cold: savevm, then QMP `stop`, which drains and flushes
//    both overlays, a copy of them into a staging folder, `cont`; published by one rename (first
//    one wins), so a reader sees a complete pair or none.
//  - The guest's clock stands still in a snapshot: a machine started from one (or restored) is
//    set to the host's time before it is used (qemu.ts).
//  - Pruned with the image's base disks (disk.ts pruneUnusedImages: `<image id>.booted-<key>`),
//    and within an image to the KEEP states used last (each is about 80 MB; every new memory
//    size or kernel option adds one), once the others have not been used for ten minutes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { DISK_CACHE, markUsed } from './disk.ts';
import { makeOwnedDir } from '../owned-dirs.ts';
import type { QemuPaths } from './qemu-command.ts';

/** The internal snapshot's name in the saved overlays. */
export const BOOTED = 'booted';
/** How a state is made (qemu.ts prepareGuestForSave), in the key: a change leaves older states unused. 2: boot id fixed before the save. */
const RECIPE = '2';
const MARKER = 'done';

const versions = new Map<string, Promise<string>>();

/** `qemu --version`, once per binary and process. */
function qemuVersion(qemu: string): Promise<string> {
  let v = versions.get(qemu);
  if (!v) {
    v = promisify(execFile)(qemu, ['--version']).then(
      (r) => r.stdout.split('\n')[0] ?? '',
      () => '',
    );
    versions.set(qemu, v);
  }
  return v;
}

/**
 * Where the booted state of `imageId` under `args` (a machine's QEMU command line) is kept.
 * `local` names the folders of this machine and clone in it (its own folder, the clone's boot
 * file cache, whose file names are hashes of what they hold), which stand for nothing the
 * guest sees: clones of one image share its saved states.
 */
export async function bootedDir(imageId: string, qemu: string, args: string[], local: Record<string, string>): Promise<string> {
  const h = createHash('sha256').update(`${RECIPE}\0${await qemuVersion(qemu)}\0`);
  for (let a of args) {
    for (const [path, name] of Object.entries(local)) a = a.replaceAll(path, name);
    h.update(`${a}\0`);
  }
  return join(DISK_CACHE, `${imageId}.booted-${h.digest('hex').slice(0, 16)}`);
}

/** Puts the saved overlays in place of the machine's fresh ones; false when none were saved (or it went meanwhile). */
export function takeBooted(saved: string, paths: QemuPaths): boolean {
  if (!existsSync(join(saved, MARKER))) return false;
  try {
    // Both copied before either replaces a fresh overlay: a machine gets the pair or neither.
    copyFileSync(join(saved, 'disk.qcow2'), `${paths.overlay}.booted`);
    copyFileSync(join(saved, 'boot.qcow2'), `${paths.bootOverlay}.booted`);
  } catch {
    return false; // dropped by another process meanwhile
  }
  renameSync(`${paths.overlay}.booted`, paths.overlay);
  renameSync(`${paths.bootOverlay}.booted`, paths.bootOverlay);
  markUsed(saved);
  return true;
}

/** Saved states kept per image beyond those used in the last ten minutes. */
const KEEP = 4;

/** Removes `imageId`'s saved states beyond the KEEP used last, unless used in the last ten minutes. */
export function pruneBooted(imageId: string, now = Date.now()): string[] {
  const states = readdirSync(DISK_CACHE)
    .filter((n) => n.startsWith(`${imageId}.booted-`))
    .map((n) => ({ n, used: statSync(join(DISK_CACHE, n)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  const gone = states.slice(KEEP).filter((s) => s.used < now - 600_000);
  for (const s of gone) rmSync(join(DISK_CACHE, s.n), { recursive: true, force: true });
  return gone.map((s) => s.n);
}

/** Copies a paused machine's overlays (holding the BOOTED snapshot) and publishes them as `saved`. */
export function keepBooted(saved: string, paths: QemuPaths): void {
  mkdirSync(DISK_CACHE, { recursive: true });
  const staging = makeOwnedDir('staging-booted-', DISK_CACHE);
  try {
    copyFileSync(paths.overlay, join(staging, 'disk.qcow2'));
    copyFileSync(paths.bootOverlay, join(staging, 'boot.qcow2'));
    writeFileSync(join(staging, MARKER), '');
    // One rename: a saved state is whole or absent. When another machine saved it first, its stays.
    try {
      renameSync(staging, saved);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  pruneBooted(basename(saved).split('.')[0]!);
}

/** Removes a saved state QEMU could not load (another QEMU build, a damaged copy). */
export function dropBooted(saved: string): void {
  rmSync(saved, { recursive: true, force: true });
}
