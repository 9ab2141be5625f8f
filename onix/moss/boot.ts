// Boot entries: one BLS Type #1 file per kept state, /boot/loader/entries/onix-<id>.conf,
// with the kernel of that state's tree (/usr/lib/kernel/<version>/{vmlinuz,initrd},
// copied to /boot/onix/<version>/), and loader.conf's default naming the active state.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archivedUsr, type MossPaths } from './paths.ts';

export const KERNEL_OPTIONS = 'root=/dev/vda rw console=ttyS0 quiet';

export function entryName(id: number): string {
  return `onix-${id}.conf`;
}

/** The kernel version a /usr tree carries (highest of /usr/lib/kernel/<version>/ with a vmlinuz), if any. */
export function treeKernel(usr: string): string | undefined {
  const dir = join(usr, 'lib/kernel');
  if (!existsSync(dir)) return undefined;
  const versions = readdirSync(dir).filter((v) => existsSync(join(dir, v, 'vmlinuz')));
  versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return versions[versions.length - 1];
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function entryText(id: number, version: string): string {
  return [
    `title ONIX (state ${id})`,
    `version ${version}`,
    `linux /onix/${version}/vmlinuz`,
    `initrd /onix/${version}/initrd`,
    `options ${KERNEL_OPTIONS} moss.fstx=${id}`,
    '',
  ].join('\n');
}

/**
 * Rewrites the boot entries for exactly `ids` (states with a tree and a kernel),
 * sets loader.conf's default to the active state's entry, and removes kernels no entry uses.
 */
export function syncBootEntries(p: MossPaths, ids: number[], active: number | undefined): void {
  mkdirSync(p.entries, { recursive: true });
  const wanted = new Map<string, string>();
  const kernels = new Set<string>();
  for (const id of ids) {
    const usr = id === active ? p.usr : archivedUsr(p, id);
    const version = treeKernel(usr);
    if (!version) continue;
    const dest = join(p.boot, 'onix', version);
    for (const f of ['vmlinuz', 'initrd']) {
      const src = join(usr, 'lib/kernel', version, f);
      if (existsSync(src) && !existsSync(join(dest, f))) {
        mkdirSync(dest, { recursive: true });
        copyFileSync(src, `${join(dest, f)}.tmp`);
        renameSync(`${join(dest, f)}.tmp`, join(dest, f));
      }
    }
    kernels.add(version);
    wanted.set(entryName(id), entryText(id, version));
  }
  for (const [name, text] of wanted) {
    const file = join(p.entries, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeAtomic(file, text);
  }
  for (const name of readdirSync(p.entries))
    if (/^onix-\d+\.conf$/.test(name) && !wanted.has(name)) rmSync(join(p.entries, name), { force: true });
  if (active !== undefined && wanted.has(entryName(active))) setDefaultEntry(p, active);
  const onixDir = join(p.boot, 'onix');
  if (existsSync(onixDir)) for (const v of readdirSync(onixDir)) if (!kernels.has(v)) rmSync(join(onixDir, v), { recursive: true, force: true });
}

/** loader.conf: `default onix-<id>.conf` (other lines kept). */
export function setDefaultEntry(p: MossPaths, id: number): void {
  mkdirSync(join(p.boot, 'loader'), { recursive: true });
  const old = existsSync(p.loaderConf) ? readFileSync(p.loaderConf, 'utf8') : 'timeout 3\n';
  const lines = old.split('\n').filter((l) => l.trim() !== '' && !/^default\s/.test(l));
  writeAtomic(p.loaderConf, [`default ${entryName(id)}`, ...lines, ''].join('\n'));
}
