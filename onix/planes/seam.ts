// The seam, owned by onix-nix-integration (and "ONIX seam" for the graphics
// bridge): /etc overrides against shipped defaults, /etc/nix, the nixbld
// users, the profile hook, Nix's runtime dirs and /run/opengl-driver.
//
// The graphics bridge records which state it was built from in
// `/run/opengl-driver/.stateID` (the state id, decimal, like /usr/.stateID). The seam's boot
// script writes it when it rebuilds the link farm from the active /usr; a
// bridge whose stamp names another state than /usr/.stateID is stale (the
// state before a rollback, until the next boot rebuilds it).

import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { hostPath, RootResolver } from './root-path.ts';
import { isUnder } from '../contract.ts';
import { parseStateId } from './machine.ts';
import { NIX_CONF_DEFAULTS, NIXBLD_GID, NIXBLD_USERS } from './seam-defaults.ts';

/** Where packages ship their /etc defaults (stateless /etc). */
export const DEFAULTS_ETC = '/usr/share/defaults/etc';
export const BRIDGE = '/run/opengl-driver';
export const BRIDGE_STAMP = '/run/opengl-driver/.stateID';
export const PROFILE_HOOK = '/etc/profile.d/onix-nix.sh';
/** Nix runtime dirs the seam creates at every boot. */
export const NIX_RUNTIME_DIRS = ['/nix/var/nix/daemon-socket', '/nix/var/nix/gcroots', '/nix/var/nix/profiles/per-user'];

/** One /etc file that differs from its shipped default. */
export interface Drift {
  /** The /etc path, e.g. `/etc/nix/nix.conf`. */
  path: string;
  /** The shipped default it overrides. */
  default: string;
}

/** Every /etc file that differs from its default under /usr/share/defaults/etc, sorted. */
export function etcDrift(root: string): Drift[] {
  const drift: Drift[] = [];
  walkDefaults(new RootResolver(root), '', drift);
  return drift.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function walkDefaults(resolver: RootResolver, rel: string, drift: Drift[]): void {
  const root = resolver.root;
  let names: string[];
  try {
    names = readdirSync(hostPath(root, DEFAULTS_ETC + rel)).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const sub = `${rel}/${name}`;
    const def = DEFAULTS_ETC + sub;
    const etc = `/etc${sub}`;
    const defStat = lstatSync(hostPath(root, def));
    if (defStat.isDirectory()) {
      walkDefaults(resolver, sub, drift);
      continue;
    }
    if (differs(resolver, etc, def)) drift.push({ path: etc, default: def });
  }
}

/** Content of a machine path after following links inside the root; null when missing or not a file. */
function fileContent(resolver: RootResolver, path: string): Buffer | null {
  const resolved = resolver.resolve(path);
  if (!resolved.exists) return null;
  try {
    return readFileSync(hostPath(resolver.root, resolved.path));
  } catch {
    return null;
  }
}

/** True when /etc holds its own version of the file (absent /etc files use the default: no drift). */
function differs(resolver: RootResolver, etc: string, def: string): boolean {
  if (!lstatSync(hostPath(resolver.root, etc), { throwIfNoEntry: false })) return false;
  const resolved = resolver.resolve(etc);
  if (resolved.path === resolver.resolve(def).path) return false;
  const a = fileContent(resolver, etc);
  const b = fileContent(resolver, def);
  return a === null || b === null || !a.equals(b);
}

/** What the graphics bridge looks like. */
export interface BridgeView {
  /** `coherent`, `stale` (built for another state), `broken` (links that do not resolve into /usr), `missing`. */
  state: 'coherent' | 'stale' | 'broken' | 'missing';
  /** The state the bridge was built from (its stamp, or the archived state its links point into); null if unknown. */
  builtFor: number | null;
  links: number;
  /** Links that do not resolve to an existing file in the active /usr, as `link -> resolved`. */
  bad: string[];
}

/** Checks /run/opengl-driver against the active state `activeId`. */
export function readBridge(root: string, activeId: number): BridgeView {
  try {
    if (!statSync(hostPath(root, BRIDGE)).isDirectory()) return { state: 'missing', builtFor: null, links: 0, bad: [] };
  } catch {
    return { state: 'missing', builtFor: null, links: 0, bad: [] };
  }
  let stamp: number | null = null;
  try {
    stamp = parseStateId(readFileSync(hostPath(root, BRIDGE_STAMP), 'utf8').trim());
  } catch {
    /* no stamp */
  }
  const links: string[] = [];
  collectLinks(root, BRIDGE, links);
  const bad: string[] = [];
  let archivedTarget: number | null = null;
  const resolver = new RootResolver(root);
  for (const link of links) {
    const resolved = resolver.resolve(link);
    const m = /^\/\.moss\/root\/([0-9]+)\/usr(\/|$)/.exec(resolved.path);
    if (m) archivedTarget = Number(m[1]);
    if (!resolved.exists || !isUnder(resolved.path, '/usr')) bad.push(`${link} -> ${resolved.path}`);
  }
  const builtFor = stamp ?? archivedTarget ?? (links.length > 0 && bad.length === 0 ? activeId : null);
  const state = builtFor !== null && builtFor !== activeId ? 'stale' : links.length === 0 || bad.length > 0 ? 'broken' : 'coherent';
  return { state, builtFor, links: links.length, bad };
}

/**
 * The seam's own state as written on disk: each bridge link with its target
 * as stored (not as it resolves: a machine rollback changes what /usr/...
 * resolves to without touching the seam), the bridge stamp, and the drift list.
 */
export function seamSnapshot(root: string): string[] {
  const links: string[] = [];
  collectLinks(root, BRIDGE, links);
  const out = links.map((l) => `${l} -> ${readlinkSync(hostPath(root, l))}`);
  try {
    out.push(`stamp ${readFileSync(hostPath(root, BRIDGE_STAMP), 'utf8').trim()}`);
  } catch {
    /* none */
  }
  const resolver = new RootResolver(root);
  for (const d of etcDrift(root)) out.push(`drift ${d.path} ${fileContent(resolver, d.path)?.toString('base64') ?? ''}`);
  return out;
}

function collectLinks(root: string, dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(hostPath(root, dir)).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = `${dir}/${name}`;
    const st = lstatSync(hostPath(root, path));
    if (st.isSymbolicLink()) out.push(path);
    else if (st.isDirectory()) collectLinks(root, path, out);
  }
}

/** The bridge in one phrase, as `onix status` prints it on its opengl line. */
export function describeBridge(bridge: BridgeView, activeId: number, mesa: string | null): string {
  const mesaText = mesa ? `Mesa ${mesa}` : 'Mesa version unknown';
  switch (bridge.state) {
    case 'coherent':
      return `coherent, ${mesaText}`;
    case 'stale':
      return `stale, ${mesaText} from fstx ${bridge.builtFor} (active is ${activeId}; a reboot rebuilds it)`;
    case 'broken':
      return bridge.links === 0 ? 'broken, no links' : `broken, ${bridge.bad.length} of ${bridge.links} links do not resolve into the active /usr`;
    case 'missing':
      return 'missing (/run/opengl-driver does not exist)';
  }
}

/** Parses nix.conf `key = value` lines (comments and includes ignored). */
export function parseNixConf(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (m) settings.set(m[1], m[2].trim().replace(/\s+/g, ' '));
  }
  return settings;
}

/** A seam invariant that does not hold, with what to do about it. */
export interface Finding {
  check: string;
  problem: string;
  fix: string;
}

/** nixbld group GID 6649 with members nixbld1..32, each a user in that group. */
export function checkNixbld(root: string): Finding[] {
  const findings: Finding[] = [];
  const group = readLines(root, '/etc/group');
  const passwd = readLines(root, '/etc/passwd');
  const line = group.find((l) => l.startsWith('nixbld:'));
  const fix = 'reboot to let onix-nix-integration recreate them, or run /usr/libexec/onix-nix-integration/boot';
  if (!line) return [{ check: 'nixbld group', problem: 'group nixbld is missing from /etc/group', fix }];
  const [, , gid, members = ''] = line.split(':');
  if (Number(gid) !== NIXBLD_GID) findings.push({ check: 'nixbld group', problem: `group nixbld has GID ${gid}, not ${NIXBLD_GID}`, fix });
  const memberSet = new Set(members.split(',').filter(Boolean));
  const missing: string[] = [];
  for (let i = 1; i <= NIXBLD_USERS; i++) {
    const name = `nixbld${i}`;
    const user = passwd.find((l) => l.startsWith(`${name}:`));
    const inGroup = memberSet.has(name) || (user !== undefined && Number(user.split(':')[3]) === NIXBLD_GID);
    if (!user || !inGroup) missing.push(name);
  }
  if (missing.length > 0) {
    findings.push({
      check: 'nixbld users',
      problem: `${missing.length} of nixbld1..${NIXBLD_USERS} missing or not in group nixbld (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''})`,
      fix,
    });
  }
  return findings;
}

function readLines(root: string, path: string): string[] {
  try {
    return readFileSync(hostPath(root, path), 'utf8').split('\n');
  } catch {
    return [];
  }
}

/** /etc/nix/nix.conf present and carrying the seam's declared defaults. */
export function checkNixConf(root: string): Finding[] {
  const path = '/etc/nix/nix.conf';
  const content = fileContent(new RootResolver(root), path);
  const fix = `copy ${DEFAULTS_ETC}/nix/nix.conf to ${path}, or restore the setting in your override`;
  if (content === null) return [{ check: 'nix.conf', problem: `${path} is missing`, fix }];
  const settings = parseNixConf(content.toString('utf8'));
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(NIX_CONF_DEFAULTS)) {
    const actual = settings.get(key);
    const ok = key === 'experimental-features' ? actual !== undefined && value.split(' ').every((f) => actual.split(' ').includes(f)) : actual === value;
    if (!ok)
      findings.push({
        check: 'nix.conf',
        problem: `${path}: ${key} is ${actual === undefined ? 'not set' : JSON.stringify(actual)}, the seam declares ${JSON.stringify(value)}`,
        fix,
      });
  }
  return findings;
}

/** The profile hook that puts Nix profiles on PATH. */
export function checkProfileHook(root: string): Finding[] {
  const content = fileContent(new RootResolver(root), PROFILE_HOOK);
  const fix = `copy ${DEFAULTS_ETC}/profile.d/onix-nix.sh to ${PROFILE_HOOK} (or reboot)`;
  if (content === null) return [{ check: 'profile hook', problem: `${PROFILE_HOOK} is missing`, fix }];
  if (!content.toString('utf8').includes('/nix/var/nix/profiles')) {
    return [{ check: 'profile hook', problem: `${PROFILE_HOOK} does not put /nix/var/nix/profiles on PATH`, fix }];
  }
  return [];
}

/** Nix's runtime dirs under /nix/var/nix. */
export function checkRuntimeDirs(root: string): Finding[] {
  return NIX_RUNTIME_DIRS.filter((dir) => {
    try {
      return !statSync(hostPath(root, dir)).isDirectory();
    } catch {
      return true;
    }
  }).map((dir) => ({ check: 'runtime dirs', problem: `${dir} is missing`, fix: 'reboot to let onix-nix-integration recreate it' }));
}
