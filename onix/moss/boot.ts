// Boot entries as moss (os-tools moss/src/client/boot.rs) has blsforme write them:
// entries for the active state and at most 4 older states (`states_except_new`: ids
// below the active one, newest created first), one per kernel in the state's tree
// (/usr/lib/kernel/<version>/vmlinuz), named `<os-id>-<version>-<fstx>.conf`
// (blsforme entry.rs `Entry::id`), kernels copied to /boot/EFI/<os-id>/<version>/,
// `moss.fstx=<id>` on the options line, and loader.conf `default "<os-id>*"`
// (blsforme bootloader/systemd_boot/mod.rs), so systemd-boot boots the highest entry.
// Entries and kernel directories of this OS that are no longer wanted are removed.
//
// One difference: upstream writes no entries when the new state ships no systemd-boot
// EFI binary (lib*/systemd/boot/efi/*.efi); the ONIX test machine boots its kernels
// directly (QEMU), so the stand-in writes them regardless.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MossDb } from './db.ts';
import { archivedUsr, type MossPaths } from './paths.ts';
import { listStates } from './state.ts';

export const KERNEL_OPTIONS = 'root=/dev/vda rw console=ttyS0 quiet';

/** How many states older than the active one get entries (boot.rs `states_except_new`: `.take(4)`). */
export const OLDER_ENTRIES = 4;

/** The fields of an os-release file blsforme uses (ID defaults to "linux", os-release(5)). */
export interface OsIdentity {
  id: string;
  name: string;
  prettyName: string | null;
}

export function readOsRelease(usr: string): OsIdentity {
  const file = join(usr, 'lib/os-release');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const field = (key: string) => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    return m ? m[1].trim().replace(/^(["'])(.*)\1$/, '$2') : null;
  };
  return { id: field('ID') ?? 'linux', name: field('NAME') ?? 'Linux', prettyName: field('PRETTY_NAME') };
}

/** blsforme `Entry::id` with a state id, plus ".conf". */
export function entryName(osId: string, kernelVersion: string, id: number): string {
  return `${osId}-${kernelVersion}-${id}.conf`;
}

/** Kernel versions a /usr tree carries (/usr/lib/kernel/<version>/ with a vmlinuz). */
export function treeKernels(usr: string): string[] {
  const dir = join(usr, 'lib/kernel');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((v) => existsSync(join(dir, v, 'vmlinuz')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Initrd files beside a kernel: names ending in ".initrd" (blsforme kernel.rs:334-337), sorted. */
export function initrds(usr: string, version: string): string[] {
  return readdirSync(join(usr, 'lib/kernel', version))
    .filter((f) => f.endsWith('.initrd'))
    .sort();
}

/** blsforme systemd_boot `generate_entry`: title, linux, a blank line before initrds, options. */
export function entryText(os: OsIdentity, version: string, initrdFiles: string[], options: string): string {
  const title = `${os.prettyName ?? os.name} (${version})`;
  const dir = `/EFI/${os.id}/${version}`;
  const initrd = initrdFiles.length === 0 ? '\n' : `\n${initrdFiles.map((f) => `\ninitrd ${dir}/${f}`).join('')}`;
  return `title ${title}\nlinux ${dir}/vmlinuz${initrd}\noptions ${options}\n`;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function copyIfChanged(src: string, dest: string): void {
  if (existsSync(dest) && readFileSync(dest).equals(readFileSync(src))) return;
  copyFileSync(src, `${dest}.tmp`);
  renameSync(`${dest}.tmp`, dest);
}

/** The states that get entries when `active` is active: it, then up to 4 older ones by creation, newest first. */
export function bootStates(db: MossDb, active: number): number[] {
  const older = listStates(db)
    .filter((s) => s.id < active)
    .sort((a, b) => b.created - a.created || b.id - a.id)
    .slice(0, OLDER_ENTRIES)
    .map((s) => s.id);
  return [active, ...older];
}

/** Rewrites /boot for the active state (boot.rs `synchronize`). */
export function syncBootEntries(p: MossPaths, db: MossDb, active: number | undefined): void {
  if (active === undefined) return;
  const os = readOsRelease(p.usr);
  mkdirSync(p.entries, { recursive: true });
  const wanted = new Set<string>();
  const kernelDirs = new Set<string>();
  for (const id of bootStates(db, active)) {
    const usr = id === active ? p.usr : archivedUsr(p, id);
    if (!existsSync(usr)) continue;
    const local = readOsRelease(usr);
    for (const version of treeKernels(usr)) {
      const dest = join(p.boot, 'EFI', local.id, version);
      mkdirSync(dest, { recursive: true });
      const files = initrds(usr, version);
      for (const f of ['vmlinuz', ...files]) copyIfChanged(join(usr, 'lib/kernel', version, f), join(dest, f));
      kernelDirs.add(dest);
      const name = entryName(local.id, version, id);
      const text = entryText(local, version, files, `${KERNEL_OPTIONS} moss.fstx=${id}`);
      const file = join(p.entries, name);
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeAtomic(file, text);
      wanted.add(name);
    }
  }
  // blsforme `cleanup_stale_entries`: this OS's entries and kernel dirs nothing installed now.
  for (const name of readdirSync(p.entries)) if (name.startsWith(os.id) && !wanted.has(name)) rmSync(join(p.entries, name), { force: true });
  const efi = join(p.boot, 'EFI', os.id);
  if (existsSync(efi)) for (const v of readdirSync(efi)) if (!kernelDirs.has(join(efi, v))) rmSync(join(efi, v), { recursive: true, force: true });
  mkdirSync(join(p.boot, 'loader'), { recursive: true });
  const loader = `default "${os.id}*"\n`;
  if (!existsSync(p.loaderConf) || readFileSync(p.loaderConf, 'utf8') !== loader) writeAtomic(p.loaderConf, loader);
}
