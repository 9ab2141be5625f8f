// Boot Loader Specification (Type #1) entries as moss (blsforme) writes them, read one way for
// everyone: the onix command (onix/planes) and the VM driver (onix/machine/bls.ts).
//
// Which entry systemd-boot boots, for loader.conf's `default` (a name or a glob such as
// "onix*", quotes removed), as systemd-boot resolves it: entries without a sort-key are
// ordered by id (file name) with strverscmp, highest first, and the first entry the
// pattern matches is the default; with no default (or no match) the first entry is.
// (systemd src/boot/boot.c `boot_entry_compare` and `config_find_entry`.) blsforme writes
// no sort-key, so this order is the one an upstream moss machine boots by.

/** strverscmp-style comparison: digit runs compare as numbers, everything else by code unit. */
export function versionCompare(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const [x, y] = [pa[i], pb[i]];
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A loader.conf value without surrounding quotes. */
export function unquote(value: string): string {
  return value.replace(/^(["'])(.*)\1$/, '$2');
}

/** fnmatch with `*`, `?` and `[...]`, matched against the whole entry id. */
function globToRegExp(pattern: string): RegExp {
  let src = '';
  for (const c of pattern) src += c === '*' ? '.*' : c === '?' ? '.' : c === '[' || c === ']' ? c : c.replace(/[.+^${}()|\\]/g, '\\$&');
  return new RegExp(`^${src}$`);
}

/** Entry file names in systemd-boot's menu order (highest version first). */
export function bootOrder(names: string[]): string[] {
  return names.filter((n) => n.endsWith('.conf')).sort((a, b) => -versionCompare(a, b));
}

/** The entry systemd-boot boots for this `default` (null: none set), or undefined when there are no entries. */
export function resolveDefault(defaultValue: string | null, names: string[]): string | undefined {
  const order = bootOrder(names);
  if (defaultValue) {
    const pattern = unquote(defaultValue);
    const re = globToRegExp(pattern);
    const hit = order.find((n) => re.test(n) || re.test(n.replace(/\.conf$/, '')));
    if (hit) return hit;
  }
  return order[0];
}

/** One BLS Type #1 entry under /boot/loader/entries, as written (paths relative to /boot). */
export interface BootEntry {
  /** File name, e.g. `onix-6.1.0-50-amd64-12.conf`. */
  file: string;
  title: string | null;
  version: string | null;
  linux: string | null;
  /** Every `initrd` line, in order (the spec allows several). */
  initrd: string[];
  /** Every `options` line, joined by a space (the spec concatenates them). */
  options: string;
  /** The state this entry boots, from `moss.fstx=<id>` on its options line; null when absent. */
  fstx: number | null;
}

/** A state id as moss writes it (`/usr/.stateID`, `moss.fstx=`): a positive decimal, or null. */
export function parseStateId(text: string): number | null {
  return /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : null;
}

/** The id in a `moss.fstx=<id>` option of a kernel command line, or null. */
export function fstxOption(cmdline: string): number | null {
  const m = /(?:^|\s)moss\.fstx=(\S+)/.exec(cmdline);
  return m ? parseStateId(m[1]) : null;
}

/** `key value` lines, comments and blank lines skipped. */
function keyValues(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (m) out.push([m[1], m[2].trim()]);
  }
  return out;
}

/** Parses one entry file's text. */
export function parseBootEntry(file: string, text: string): BootEntry {
  const kv = keyValues(text);
  const first = (key: string) => kv.find(([k]) => k === key)?.[1] ?? null;
  const options = kv
    .filter(([k]) => k === 'options')
    .map(([, v]) => v)
    .join(' ');
  return {
    file,
    title: first('title'),
    version: first('version'),
    linux: first('linux'),
    initrd: kv.filter(([k]) => k === 'initrd').map(([, v]) => v),
    options,
    fstx: fstxOption(options),
  };
}

/** The `default` of loader.conf (an entry name or a glob such as "onix*", quotes removed), or null. */
export function loaderDefault(loaderConf: string): string | null {
  const d = keyValues(loaderConf).find(([k]) => k === 'default');
  return d ? unquote(d[1]) : null;
}

/**
 * Where moss's blsforme puts systemd-boot on the ESP (/efi), relative to it
 * (blsforme bootloader/systemd_boot/mod.rs:84-98). Written here, not taken from the moss
 * stand-in, so onix reads a machine real moss set up.
 */
export const ESP_BOOT_LOADER = ['EFI/Boot/BOOTX64.EFI', 'EFI/systemd/systemd-bootx64.efi'] as const;

/**
 * Where a machine's loader.conf, entries and kernels live: blsforme writes them to XBOOTLDR
 * when there is one, else to the ESP (bootloader/systemd_boot/mod.rs:46-52), mounted at
 * /boot and /efi (manager.rs:92-101; an ESP mounted at /boot is found there too). ONIX has
 * XBOOTLDR at /boot; a machine with only an ESP has them under /efi.
 */
export const BOOT_ROOTS = ['/boot', '/efi'] as const;

/** The boot root whose `loader/` exists, /boot first; /boot when neither has one. */
export function pickBootRoot(hasLoaderDir: (root: string) => boolean): string {
  return BOOT_ROOTS.find((r) => hasLoaderDir(r)) ?? BOOT_ROOTS[0];
}
