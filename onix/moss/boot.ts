// Boot entries as moss (os-tools moss/src/client/boot.rs) has blsforme write them:
// entries for the active state and at most 4 older states (`states_except_new`: ids
// below the active one, newest created first), one per kernel in the state's tree
// (/usr/lib/kernel/<version>/vmlinuz), named `<os-id>-<version>-<fstx>.conf`
// (blsforme entry.rs `Entry::id`), kernels copied to /boot/EFI/<os-id>/<version>/,
// `moss.fstx=<id>` on the options line, and loader.conf `default "<os-id>*"`
// (blsforme bootloader/systemd_boot/mod.rs), so systemd-boot boots the highest entry.
// Entries and kernel directories of this OS that are no longer wanted are removed.
//
// Where (blsforme): the boot loader goes to the ESP, `EFI/Boot/BOOTX64.EFI` and
// `EFI/systemd/systemd-bootx64.efi` (systemd_boot/mod.rs:81-102); loader.conf, entries and
// kernels go to the boot root, XBOOTLDR when there is one, else the ESP (mod.rs:46-52,
// 105, 244-248, 63-68). ONIX has both: XBOOTLDR at /boot, the ESP at /efi (manager.rs:92-101).
// moss syncs nothing when the new state ships no boot loader (`lib*/systemd/boot/efi/*.efi`,
// boot.rs:180-188).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MossError } from './errors.ts';
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

/**
 * The boot loaders a /usr tree ships: its `.efi` files in `lib<any>/systemd/boot/efi/`
 * (moss's fnmatch pattern, boot.rs:180, read by `boot_files_from_new_state`), as /usr-relative paths.
 */
export function bootLoaderFiles(usr: string): string[] {
  const out: string[] = [];
  let libs: string[] = [];
  try {
    libs = readdirSync(usr).filter((d) => d.startsWith('lib'));
  } catch {
    return out;
  }
  for (const lib of libs.sort()) {
    const dir = join(usr, lib, 'systemd/boot/efi');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.efi')) out.push(`${lib}/systemd/boot/efi/${f}`);
  }
  return out;
}

/** Where blsforme copies systemd-boot on the ESP (systemd_boot/mod.rs:85-98), relative to it. */
export const ESP_LOADER_PATHS = ['EFI/Boot/BOOTX64.EFI', 'EFI/systemd/systemd-bootx64.efi'] as const;

/** blsforme systemd_boot `sync`: systemd-bootx64.efi onto the ESP, where it changed (file_utils `changed_files`). */
function syncBootLoader(p: MossPaths, loaders: string[]): void {
  const x64 = loaders.find((f) => f.endsWith('systemd-bootx64.efi'));
  if (!x64) throw new MossError('missing bootloader file: systemd-bootx64.efi');
  for (const rel of ESP_LOADER_PATHS) {
    const dest = join(p.esp, rel);
    mkdirSync(dirname(dest), { recursive: true });
    copyIfChanged(join(p.usr, x64), dest);
  }
}

/** Rewrites the ESP and the boot root for the active state (boot.rs `synchronize`). */
export function syncBootEntries(p: MossPaths, db: MossDb, active: number | undefined): void {
  if (active === undefined) return;
  const loaders = bootLoaderFiles(p.usr);
  if (loaders.length === 0) return;
  syncBootLoader(p, loaders);
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
