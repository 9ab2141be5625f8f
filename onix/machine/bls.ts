// What the VM driver needs from the image's boot entries (parsed by onix/planes/boot-entries.ts,
// the one reader of moss's BLS entries): the default entry, and its kernel, initrds and
// options as paths inside the machine.
import { loaderDefault, parseBootEntry, resolveDefault } from '../planes/boot-entries.ts';

/** An entry's boot files, paths absolute inside the machine. */
export interface EntryFiles {
  /** Entry file name, e.g. "onix-6.1.0-50-amd64-12.conf". */
  name: string;
  /** Kernel path, e.g. "/boot/EFI/onix/6.1.0-50-amd64/vmlinuz". */
  linux: string;
  /** Initrd paths (may be empty). */
  initrd: string[];
  options: string;
}

/** An entry's files, whose paths are relative to the boot root `bootRoot` (default: /boot, XBOOTLDR). */
export function parseEntry(name: string, text: string, bootRoot = '/boot'): EntryFiles {
  const e = parseBootEntry(name, text);
  if (!e.linux) throw new Error(`boot entry ${name} has no linux line`);
  const bootPath = (p: string): string => `${bootRoot}/${p.replace(/^\/+/, '')}`;
  return { name, linux: bootPath(e.linux), initrd: e.initrd.map(bootPath), options: e.options };
}

/**
 * Picks the entry the machine would boot, as systemd-boot does: loader.conf's default
 * (a name or a glob such as "onix*", quotes removed) matched against the entries in
 * boot order, else the first entry.
 */
export function chooseEntry(loaderConf: string | null, entryNames: string[]): string {
  const chosen = resolveDefault(loaderConf ? loaderDefault(loaderConf) : null, entryNames);
  if (!chosen) throw new Error('no boot entries in loader/entries under /boot or /efi');
  return chosen;
}
