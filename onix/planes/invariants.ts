// Every invariant of the ownership contract and the seam that can be checked
// in place, one Check each, in the contract's order then the seam's. `onix
// doctor` prints them; nothing here changes the machine.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { CONTRACT, type ContractRow, ownerOf } from '../contract.ts';
import { filesOwnership } from './files-owner.ts';
import { OnixError } from '../cli/errors.ts';
import { ESP_BOOT_LOADER } from './boot-entries.ts';
import { bootRoot, entryFor, mesaVersion, openMossDb, readMachine, type MachineView } from './machine.ts';
import { hostPath, walkRoot } from './root-path.ts';
import { muslBaseCheck } from './musl-base.ts';
import { checkNixbld, checkNixConf, checkProfileHook, checkRuntimeDirs, describeBridge, readBridge, type Finding } from './seam.ts';
import { pingDaemonSocket } from './nix-daemon-socket.ts';
import { NIX_DB, nixStorePing, type NixOptions } from './toolbox.ts';

export interface Check {
  /** What was checked: a contract surface or a seam invariant. */
  name: string;
  ok: boolean;
  /** What was found (one line). */
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

function fromFindings(name: string, findings: Finding[], okDetail: string): Check {
  if (findings.length === 0) return { name, ok: true, detail: okDetail };
  return { name, ok: false, detail: findings.map((f) => f.problem).join('; '), fix: findings[0].fix };
}

function usrCheck(m: MachineView): Check {
  const known = m.states.some((s) => s.id === m.activeId);
  return known
    ? { name: '/usr', ok: true, detail: `moss: active fstx ${m.activeId} is a state in /.moss/db/state` }
    : {
        name: '/usr',
        ok: false,
        detail: `/usr/.stateID says ${m.activeId}, which /.moss/db/state does not know`,
        fix: 'activate a known state with `moss state activate ID` (see `moss state list`)',
      };
}

function mossCheck(root: string, m: MachineView): Check {
  const problems: string[] = [];
  for (const id of m.archivedIds) {
    let stamp = '';
    try {
      stamp = readFileSync(hostPath(root, `/.moss/root/${id}/usr/.stateID`), 'utf8').trim();
    } catch {
      /* missing */
    }
    if (stamp !== String(id)) problems.push(`/.moss/root/${id}/usr holds state ${stamp || '(no .stateID)'}`);
    if (!m.states.some((s) => s.id === id)) problems.push(`archived tree ${id} has no row in /.moss/db/state`);
  }
  const staging = hostPath(root, '/.moss/root/staging/usr');
  if (existsSync(staging) && readdirSync(staging).length > 0) problems.push('a staged /usr is left over from an interrupted transaction');
  if (problems.length > 0)
    return {
      name: '/.moss',
      ok: false,
      detail: problems.join('; '),
      fix: "an interrupted moss activation: reboot; ONIX's early-boot step puts a staged tree back under its id and moss activates the default entry's state",
    };
  return { name: '/.moss', ok: true, detail: `moss: ${m.states.length} states, ${m.archivedIds.length} archived trees, no interrupted transaction` };
}

function bootCheck(root: string, m: MachineView): Check {
  const boot = bootRoot(root);
  const entry = entryFor(m, m.activeId);
  const problems: string[] = [];
  if (!entry) problems.push(`no boot entry has moss.fstx=${m.activeId}`);
  else if (m.defaultEntry !== entry.file)
    problems.push(`the loader boots ${m.defaultEntry ?? '(none)'} (default ${m.loaderDefault ?? 'unset'}), not ${entry.file}`);
  for (const e of m.entries) {
    if (e.fstx === null) {
      problems.push(`${e.file} has no moss.fstx= option`);
      continue;
    }
    if (e.fstx !== m.activeId && !m.archivedIds.includes(e.fstx)) problems.push(`${e.file} boots fstx ${e.fstx}, which has no tree`);
    for (const f of [e.linux, ...e.initrd])
      if (f && !existsSync(hostPath(root, `${boot}/${f}`))) problems.push(`${e.file}: ${boot}${f.startsWith('/') ? '' : '/'}${f} is missing`);
  }
  if (problems.length > 0)
    return {
      name: '/boot',
      ok: false,
      detail: problems.join('; '),
      fix: `re-activate the state so moss rewrites its entries: \`moss state activate\` another state and back, or reinstall the kernel`,
    };
  return { name: '/boot', ok: true, detail: `moss: ${entry!.file} boots fstx ${m.activeId} and is the default; ${m.entries.length} entries, kernels present` };
}

/**
 * The ESP holds the boot loader the active state ships, where moss's blsforme copies it
 * (blsforme bootloader/systemd_boot/mod.rs:84-102: EFI/Boot/BOOTX64.EFI and
 * EFI/systemd/systemd-bootx64.efi, from the state's lib<any>/systemd/boot/efi/).
 */
function efiCheck(root: string): Check {
  const shipped = ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi', '/usr/lib64/systemd/boot/efi/systemd-bootx64.efi'].find((f) =>
    existsSync(hostPath(root, f)),
  );
  const fix = 're-activate the active state with moss (`moss state activate ID`): moss copies the boot loader to the ESP';
  if (!shipped) return { name: '/efi', ok: false, detail: 'the active /usr ships no systemd-boot (/usr/lib/systemd/boot/efi/systemd-bootx64.efi)', fix };
  const want = readFileSync(hostPath(root, shipped));
  const problems: string[] = [];
  for (const rel of ESP_BOOT_LOADER) {
    const path = `/efi/${rel}`;
    if (!existsSync(hostPath(root, path))) problems.push(`${path} is missing`);
    else if (!readFileSync(hostPath(root, path)).equals(want)) problems.push(`${path} is not the active state's systemd-boot`);
  }
  if (problems.length > 0) return { name: '/efi', ok: false, detail: problems.join('; '), fix };
  return { name: '/efi', ok: true, detail: `moss: the active state's systemd-boot at ${ESP_BOOT_LOADER.map((r) => `/efi/${r}`).join(' and ')}` };
}

/** Every setuid or setgid file lies where the contract gives moss (none in /nix/store). */
function setuidCheck(root: string, row: ContractRow): Check {
  const found = filesOwnership(root, row);
  const foreign = found.files.filter((f) => ownerOf(f)?.owner !== row.owner);
  if (foreign.length > 0)
    return {
      name: row.surface,
      ok: false,
      detail: `${foreign.length} not ${row.owner}'s: ${foreign
        .slice(0, 3)
        .map((f) => `${f} (${ownerOf(f)?.owner ?? 'unowned'})`)
        .join(', ')}${foreign.length > 3 ? ', ...' : ''}`,
      fix: `remove the setuid and setgid bits there (chmod u-s,g-s): only ${row.owner} ships setuid programs`,
    };
  return {
    name: row.surface,
    ok: true,
    detail: found.files.length
      ? `${row.owner}: ${found.files.length} setuid or setgid file${found.files.length > 1 ? 's' : ''}, all under ${row.owner}'s surfaces`
      : 'no setuid or setgid file',
  };
}

/** The active /usr carries the modules of each kernel it carries (/usr/lib/kernel/<v> -> /usr/lib/modules/<v>). */
function modulesCheck(root: string): Check {
  const list = (dir: string) => {
    try {
      return readdirSync(hostPath(root, dir));
    } catch {
      return [];
    }
  };
  const kernels = list('/usr/lib/kernel').filter((v) => existsSync(hostPath(root, `/usr/lib/kernel/${v}/vmlinuz`)));
  const missing = kernels.filter((v) => !existsSync(hostPath(root, `/usr/lib/modules/${v}`)));
  if (kernels.length === 0 || missing.length > 0)
    return {
      name: '/usr/lib/modules',
      ok: false,
      detail:
        kernels.length === 0
          ? 'the active /usr carries no kernel (/usr/lib/kernel/<version>/vmlinuz)'
          : missing.map((v) => `/usr/lib/modules/${v} is missing for kernel ${v}`).join('; '),
      fix: 'reinstall the kernel with moss: its modules come only from the kernel package',
    };
  return { name: '/usr/lib/modules', ok: true, detail: `moss: modules for kernel ${kernels.join(', ')} in the active /usr` };
}

function nixStoreCheck(root: string): Check {
  const problems: string[] = [];
  if (!existsSync(hostPath(root, '/nix/store'))) problems.push('/nix/store is missing');
  if (!existsSync(hostPath(root, NIX_DB))) problems.push(`${NIX_DB} is missing`);
  if (problems.length)
    return { name: '/nix', ok: false, detail: problems.join('; '), fix: 'restore /nix from backup; the image ships it, moss never writes it' };
  return { name: '/nix', ok: true, detail: 'Nix: store and database present' };
}

/** Symlinks in the active /usr that lead into /nix, and moss layout entries that do. */
function nixUnderUsr(root: string): Check {
  const found: string[] = [];
  if (existsSync(hostPath(root, '/usr/nix'))) found.push('/usr/nix exists');
  walkRoot(root, '/usr', (path, st) => {
    if (st.isSymbolicLink() && /^\/nix(\/|$)/.test(readlinkSync(hostPath(root, path)))) found.push(path);
  });
  try {
    const db = openMossDb(root, 'layout');
    try {
      const rows = db
        .prepare("SELECT entry_value2 AS path FROM layout WHERE entry_type = 'symlink' AND (entry_value1 = '/nix' OR entry_value1 LIKE '/nix/%')")
        .all() as { path: string }[];
      for (const r of rows) found.push(`layout: /usr/${r.path}`);
    } finally {
      db.close();
    }
  } catch (error) {
    if (!(error instanceof OnixError)) throw error;
  }
  if (found.length)
    return {
      name: 'no Nix path under /usr',
      ok: false,
      detail: `${found.length} found: ${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''}`,
      fix: 'the machine plane must not depend on /nix: remove the package that ships them from the moss state',
    };
  return { name: 'no Nix path under /usr', ok: true, detail: 'no link from /usr into /nix' };
}

/** Files under /nix that are moss content-store inodes, or moss state markers. */
function mossUnderNix(root: string): Check {
  const assets = new Set<string>();
  walkRoot(root, '/.moss/assets', (_path, st) => {
    if (st.isFile()) assets.add(`${st.dev}:${st.ino}`);
  });
  const found: string[] = [];
  walkRoot(root, '/nix', (path, st) => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (name === '.moss' || name === '.stateID') {
      found.push(path);
      return 'skip';
    }
    if (st.isFile() && st.nlink > 1 && assets.has(`${st.dev}:${st.ino}`)) found.push(path);
  });
  if (found.length)
    return {
      name: 'no moss file under /nix',
      ok: false,
      detail: `${found.length} found: ${found.slice(0, 3).join(', ')}${found.length > 3 ? ', ...' : ''}`,
      fix: "remove them: /nix is Nix's, and a moss prune would change files Nix still uses",
    };
  return { name: 'no moss file under /nix', ok: true, detail: 'no moss asset or state marker in /nix' };
}

/** Every check, in order. Throws OnixError only when the root cannot be read at all. */
export async function runInvariants(root: string, nix: NixOptions): Promise<Check[]> {
  const socket = pingDaemonSocket(root);
  const m = readMachine(root);
  const bridge = readBridge(root, m.activeId);
  const mesa = bridge.state === 'missing' ? null : mesaVersion(root, bridge.builtFor ?? m.activeId);
  const setuidRow = CONTRACT.find((r) => r.files === 'setuid');
  if (!setuidRow) throw new Error('the contract has no setuid row');
  const checks: Check[] = [usrCheck(m), mossCheck(root, m), bootCheck(root, m), efiCheck(root), modulesCheck(root), setuidCheck(root, setuidRow)];
  checks.push(fromFindings('/etc/nix', checkNixConf(root), "onix-nix-integration: nix.conf carries the seam's defaults"));
  checks.push(nixStoreCheck(root));
  checks.push(
    bridge.state === 'coherent'
      ? { name: '/run/opengl-driver', ok: true, detail: `ONIX seam: ${describeBridge(bridge, m.activeId, mesa)}; ${bridge.links} links into the active /usr` }
      : {
          name: '/run/opengl-driver',
          ok: false,
          detail: describeBridge(bridge, m.activeId, mesa),
          fix: 'reboot: the seam rebuilds the bridge from the active /usr at every boot',
        },
  );
  if (checks.length !== CONTRACT.length) throw new Error('doctor checks out of step with the contract');
  checks.push(fromFindings('nixbld', checkNixbld(root), 'group nixbld is GID 6649 with nixbld1..32'));
  checks.push(fromFindings('profile hook', checkProfileHook(root), '/etc/profile.d/onix-nix.sh puts the Nix profiles on PATH'));
  checks.push(fromFindings('runtime dirs', checkRuntimeDirs(root), 'daemon-socket, gcroots and profiles/per-user exist'));
  const handshake = await socket;
  checks.push(
    handshake.healthy
      ? { name: 'nix daemon', ok: true, detail: `answers on its socket (${handshake.detail})` }
      : {
          name: 'nix daemon',
          ok: false,
          detail: `down: ${handshake.detail}`,
          fix: 'start it: /nix/var/nix/profiles/default/bin/nix-daemon (init does this at boot)',
        },
  );
  try {
    const ping = await nixStorePing(nix);
    checks.push(
      ping.healthy
        ? { name: 'nix store ping', ok: true, detail: ping.detail }
        : { name: 'nix store ping', ok: false, detail: ping.detail, fix: 'start nix-daemon; check /etc/nix/nix.conf and that your user is in allowed-users' },
    );
  } catch (error) {
    if (!(error instanceof OnixError)) throw error;
    checks.push({ name: 'nix store ping', ok: false, detail: error.message, fix: 'put nix on PATH (the default profile carries it) or pass --nix PATH' });
  }
  checks.push(nixUnderUsr(root));
  checks.push(mossUnderNix(root));
  checks.push(muslBaseCheck(root));
  return checks;
}
