import { resolveDefault, unquote } from '../planes/boot-default.ts';

// Boot Loader Specification (Type #1) entries, as moss (blsforme) writes them:
// /boot/loader/loader.conf names the default entry; /boot/loader/entries/*.conf
// hold `linux`, `initrd` and `options` (paths relative to /boot).

export interface BootEntry {
  /** Entry file name, e.g. "onix-6.1.0-50-amd64-12.conf". */
  name: string;
  /** Kernel path inside the machine, e.g. "/boot/onix/6.1.0-50-amd64/vmlinuz". */
  linux: string;
  /** Initrd paths inside the machine (may be empty). */
  initrd: string[];
  options: string;
}

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

/** The `default` of loader.conf (an entry name or a glob such as "onix*", quotes removed), or null. */
export function loaderDefault(loaderConf: string): string | null {
  const d = keyValues(loaderConf).find(([k]) => k === 'default');
  return d ? unquote(d[1]) : null;
}

function bootPath(p: string): string {
  return '/boot/' + p.replace(/^\/+/, '');
}

export function parseEntry(name: string, text: string): BootEntry {
  const kv = keyValues(text);
  const linux = kv.find(([k]) => k === 'linux')?.[1];
  if (!linux) throw new Error(`boot entry ${name} has no linux line`);
  return {
    name,
    linux: bootPath(linux),
    initrd: kv.filter(([k]) => k === 'initrd').map(([, v]) => bootPath(v)),
    options: kv.filter(([k]) => k === 'options').map(([, v]) => v).join(' '),
  };
}

/**
 * Picks the entry the machine would boot, as systemd-boot does: loader.conf's default
 * (a name or a glob such as "onix*", quotes removed) matched against the entries in
 * boot order, else the first entry (see onix/planes/boot-default.ts).
 */
export function chooseEntry(loaderConf: string | null, entryNames: string[]): string {
  const chosen = resolveDefault(loaderConf ? loaderDefault(loaderConf) : null, entryNames);
  if (!chosen) throw new Error('no boot entries in /boot/loader/entries');
  return chosen;
}
