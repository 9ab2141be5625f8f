// The `moss` command line (the part ONIX uses), with upstream's commands, flags and text
// (os-tools moss/src/cli/{state,list,repo,remove}.rs, moss/src/client/{sync,install,remove,prune}.rs):
//   moss [-D ROOT] [-y] state list|active|query ID
//   moss [-D ROOT] [-y] state activate ID [--skip-triggers] [--skip-boot]
//   moss [-D ROOT] [-y] state prune [-k N] [--include-newer] | state remove ID|A-B... | state verify
//   moss [-D ROOT] [-y] sync | install NAME... | remove NAME... | list installed [-e]
//   moss [-D ROOT] repo add NAME URI [-c COMMENT] [-p PRIORITY] | repo remove NAME | repo list
//   moss inspect [--check [-q]] PATH...
// Flags are parsed in args.ts; commands take typed options and throw MossError; only main.ts exits.
import { existsSync, readSync } from 'node:fs';
import { type Args, parseArgs } from './args.ts';
import { autoprintColumns, packageColumn, stateColumn, updateColumn } from './columns.ts';
import { openMossDb } from './db.ts';
import { MossError } from './errors.ts';
import { writeStdout } from '../stdout.ts';
import { applyPlan, installedPackages, planInstall, planRemove, planSync } from './packages.ts';
import { mossPaths } from './paths.ts';
import { applyPrune, planPrune, type PruneStrategy } from './prune.ts';
import { addRepository, listRepositories, removeRepository } from './repo-config.ts';
import { activeStateId, formatState, listStates, requireState } from './state.ts';
import { activateState, commitState, initRoot, withRootLock } from './transaction.ts';
import { verifyRoot } from './verify.ts';
import { inspectStones } from './inspect.ts';

export interface CliIo {
  out: (text: string) => void;
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  ask?: (question: string) => boolean;
}

export const USAGE = `usage: moss [-D ROOT] [-y] <command>
  state list                       list all states, newest first
  state active                     show the active state
  state query ID                   show one state and its packages
  state activate ID                make an archived state the live /usr
        [--skip-triggers]          do not run system triggers
        [--skip-boot]              do not rewrite the boot entries
  state prune [-k N]               remove states older than the active one, keeping N
        [--include-newer]          counting the active one (default 10); newer ones too
  state remove ID|A-B...           remove archived states
  state verify                     check every asset and every state's tree against the layouts
  sync                             update every selected package from the repositories
  install NAME...                  install packages
  remove NAME...                   remove packages (and dependencies nothing else needs)
  list installed [-e]              list the active state's packages (-e: explicit only)
  repo add NAME URI [-c C] [-p N]  add a repository (URI: file:///path/to/stone.index)
  repo remove NAME                 remove a repository
  repo list                        list the repositories
  inspect [--check [-q]] PATH...   show a .stone file's metadata and layout (--check: its checksums)`;

function parseNumber(text: string | undefined, what = 'state id'): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new MossError(`invalid ${what}: ${text ?? '(missing)'}`);
  return Number(text);
}

/** cli/state.rs `parse_id_or_range`: "7" or "3-5". */
export function parseIdOrRange(text: string): number[] {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) return [parseNumber(text)];
  const [start, end] = [Number(m[1]), Number(m[2])];
  if (start > end) throw new MossError(`invalid state id or range: range start must be <= end`);
  return Array.from({ length: end - start + 1 }, (_, i) => start + i);
}

function confirm(io: CliIo, yes: boolean): void {
  if (yes) return;
  if (!io.ask) throw new MossError('confirmation needed and no terminal to ask on: rerun with -y');
  if (!io.ask(' Do you wish to continue? ')) throw new MossError('cancelled');
}

function stateCommand(sub: string | undefined, rest: string[], args: Args, io: CliIo): number {
  const root = args.root;
  const p = mossPaths(root);
  switch (sub) {
    case 'list':
    case 'active':
    case 'query': {
      const db = openMossDb(p);
      try {
        if (sub === 'list') for (const s of listStates(db).reverse()) io.out(formatState(s));
        else if (sub === 'active') {
          const id = activeStateId(p);
          if (id !== undefined) io.out(formatState(requireState(db, id)));
        } else io.out(formatState(requireState(db, parseNumber(rest[0]))) + formatSelections(root, parseNumber(rest[0])));
      } finally {
        db.close();
      }
      return 0;
    }
    case 'activate': {
      const r = activateState(root, parseNumber(rest[0]), { skipTriggers: args.skipTriggers, skipBoot: args.skipBoot });
      io.out(`State ${r.activated} activated (${r.archived} archived)\n`);
      return 0;
    }
    case 'prune':
    case 'remove': {
      const strategy: PruneStrategy =
        sub === 'prune' ? { keepRecent: args.keep ?? 10, includeNewer: args.includeNewer } : { remove: rest.flatMap(parseIdOrRange) };
      if (sub === 'remove' && rest.length === 0) throw new MossError('state remove needs at least one state id');
      return withRootLock(p, () => {
        const doomed = planPrune(root, strategy);
        // prune.rs: nothing is printed when there is nothing to remove.
        if (doomed.length === 0) return 0;
        io.out('The following state(s) will be removed:\n\n');
        io.out(autoprintColumns(doomed.map((s) => stateColumn(s.id))));
        io.out('\n');
        confirm(io, args.yes);
        const r = applyPrune(
          root,
          doomed.map((s) => s.id),
        );
        io.out('\n');
        for (const dir of r.archives) io.out(`Removed ${JSON.stringify(dir)}\n`);
        return 0;
      });
    }
    case 'verify': {
      io.out('Verifying assets\n');
      const db = openMossDb(p);
      try {
        const issues = verifyRoot(p, db);
        io.out('Verifying states\n');
        if (issues.length === 0) {
          io.out('No issues found\n');
          return 0;
        }
        io.out(`Found ${issues.length} issue${issues.length === 1 ? '' : 's'}\n`);
        for (const i of issues) io.out(` × ${i}\n`);
        throw new MossError('repairing is not part of the moss stand-in (upstream re-fetches the stones and re-blits the states)');
      } finally {
        db.close();
      }
    }
    default:
      throw new MossError(`unknown state command: ${sub ?? '(none)'} (list, active, query, activate, prune, remove, verify)`);
  }
}

/** cli/state.rs `print_state_selections`: "<name> <pad> <version>-<release>" per package, then a blank line. */
function formatSelections(root: string, id: number): string {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    const rows = requireState(db, id).selections.map((s) => {
      const m = db.install.prepare('SELECT name, version_identifier AS version, source_release AS release FROM meta WHERE package = ?').get(s.packageId) as
        | { name: string; version: string; release: number }
        | undefined;
      return { name: m?.name ?? s.packageId, version: m?.version ?? '', release: m?.release ?? 0 };
    });
    const size = (r: { name: string; version: string; release: number }) => r.name.length + r.version.length + String(r.release).length;
    const max = Math.max(0, ...rows.map(size)) + 2;
    return `${rows.map((r) => `${r.name} ${' '.repeat(Math.max(1, max - size(r) + 2))} ${r.version}-${r.release}\n`).join('')}\n`;
  } finally {
    db.close();
  }
}

function syncCommand(args: Args, io: CliIo): number {
  const plan = planSync(args.root);
  const orphaned = plan.orphaned ?? [];
  if (plan.changes.length === 0 && orphaned.length === 0) {
    io.out('No packages to sync\n');
    return 0;
  }
  const added = plan.changes.filter((c) => !c.fromVersion);
  const updated = plan.changes.filter((c) => c.fromVersion);
  if (added.length) {
    io.out('The following packages will be added: \n\n');
    io.out(autoprintColumns(added.map((c) => packageColumn(c.name, c.stone.meta.version, c.stone.meta.release))));
    io.out('\n');
  }
  if (updated.length) {
    io.out('The following packages will be updated: \n\n');
    io.out(autoprintColumns(updated.map((c) => updateColumn(c.name, c.fromVersion!, { version: c.stone.meta.version, release: c.stone.meta.release }))));
    io.out('\n');
  }
  if (orphaned.length) {
    io.out('The following orphaned packages will be removed: \n\n');
    io.out(autoprintColumns(orphaned.map((i) => packageColumn(i.name, i.version, i.release))));
    io.out('\n');
  }
  confirm(io, args.yes);
  applyPlan(args.root, plan, 'Sync');
  return 0;
}

function installCommand(names: string[], args: Args, io: CliIo): number {
  if (names.length === 0) throw new MossError('install needs at least one package name');
  // Installation::open makes a fresh root's /.moss (installation.rs); so does the stand-in.
  if (!existsSync(mossPaths(args.root).db.state)) initRoot(args.root);
  const plan = planInstall(args.root, names);
  if (plan.changes.length === 0) {
    const already = installedPackages(args.root).filter((i) => names.includes(i.name));
    if (already.length) {
      io.out('The following package(s) are already installed:\n\n');
      io.out(autoprintColumns(already.map((i) => packageColumn(i.name, i.version, i.release))));
    }
    return 0;
  }
  io.out('The following package(s) will be installed:\n\n');
  io.out(autoprintColumns(plan.changes.map((c) => packageColumn(c.name, c.stone.meta.version, c.stone.meta.release))));
  io.out('\n');
  confirm(io, args.yes);
  applyPlan(args.root, plan, 'Install');
  return 0;
}

function removeCommand(names: string[], args: Args, io: CliIo): number {
  if (names.length === 0) throw new MossError('remove needs at least one package name');
  const plan = planRemove(args.root, names);
  io.out('The following package(s) will be removed:\n\n');
  io.out(autoprintColumns(plan.removed.map((i) => packageColumn(i.name, i.version, i.release))));
  io.out('\n');
  confirm(io, args.yes);
  for (const i of plan.removed) io.out(`Removed ${i.name}\n`);
  commitState(args.root, plan.selections, { summary: 'Remove' });
  return 0;
}

/** cli/list.rs: "<name> <pad> <version>-<release> - <summary>", sorted by name. */
function listInstalled(args: Args, io: CliIo): number {
  const rows = installedPackages(args.root)
    .filter((i) => !args.explicit || i.explicit)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (rows.length === 0) throw new MossError('no packages found');
  const size = (r: { name: string; version: string; release: number }) => r.name.length + r.version.length + String(r.release).length;
  const max = Math.max(...rows.map(size)) + 2;
  for (const r of rows) io.out(`${r.name} ${' '.repeat(Math.max(1, max - size(r) + 2))} ${r.version}-${r.release} - ${r.summary}\n`);
  return 0;
}

/** cli/repo.rs: `add` prints "<name> added"; `remove` "<name> removed" (or "<name> not found", exit 1); `list` one line each. */
function repoCommand(sub: string | undefined, rest: string[], args: Args, io: CliIo): number {
  const p = mossPaths(args.root);
  if (sub === 'add' || sub === 'ar') {
    const [name, uri] = rest;
    if (!name || !uri) throw new MossError('repo add needs NAME and URI');
    initRoot(args.root);
    withRootLock(p, () => addRepository(p, name, uri, args.comment, args.priority));
    io.out(`${name} added\n`);
    return 0;
  }
  if (sub === 'remove' || sub === 'rr') {
    if (!rest[0]) throw new MossError('repo remove needs NAME');
    const found = withRootLock(p, () => removeRepository(p, rest[0]));
    io.out(`${rest[0]} ${found ? 'removed' : 'not found'}\n`);
    return found ? 0 : 1;
  }
  if (sub === 'list' || sub === 'lr') {
    const repos = listRepositories(p);
    if (repos.length === 0) io.out('No repositories have been configured yet\n');
    for (const r of repos) io.out(` - ${r.name} = ${r.config.uri} [${r.config.priority}]${r.config.active ? '' : ' (disabled)'}\n`);
    return 0;
  }
  throw new MossError(`unknown repo command: ${sub ?? '(none)'} (add, remove, list)`);
}

/** Runs one command line; returns the exit status. */
export function runMoss(argv: string[], io: CliIo): number {
  const args = parseArgs(argv);
  const [cmd, sub, ...rest] = args.words;
  if (args.help || !cmd || cmd === 'help') {
    io.out(`${USAGE}\n`);
    return cmd || args.help ? 0 : 1;
  }
  if (cmd === 'version' || args.version) {
    io.out('moss (ONIX stand-in) 0.2.0\n');
    return 0;
  }
  if (cmd === 'state') return stateCommand(sub, rest, args, io);
  if (cmd === 'sync') return syncCommand(args, io);
  if (cmd === 'install' || cmd === 'it')
    return installCommand(
      [sub, ...rest].filter((x): x is string => !!x),
      args,
      io,
    );
  if (cmd === 'remove' || cmd === 'rm')
    return removeCommand(
      [sub, ...rest].filter((x): x is string => !!x),
      args,
      io,
    );
  if (cmd === 'list' && sub === 'installed') return listInstalled(args, io);
  if (cmd === 'repo') return repoCommand(sub, rest, args, io);
  if (cmd === 'inspect')
    return inspectStones(
      [sub, ...rest].filter((x): x is string => !!x),
      args,
      io.out,
    );
  throw new MossError(`unknown command: ${[cmd, sub].filter(Boolean).join(' ')}\n${USAGE}`);
}

/** A yes/no question on the terminal (stdin must be a TTY). */
export function askOnTerminal(question: string): boolean {
  writeStdout(`${question}[y/N] `);
  const buf = Buffer.alloc(256);
  let line = '';
  for (;;) {
    let n = 0;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0) break;
    line += buf.subarray(0, n).toString();
    if (line.includes('\n')) break;
  }
  return /^y(es)?$/i.test(line.trim());
}
