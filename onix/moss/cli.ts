// The `moss` command line (the subset ONIX uses), same shape as upstream moss:
//   moss [-D ROOT] [-y] state list|active|query ID|activate ID|prune [-k N]
//   moss [-D ROOT] [-y] sync
//   moss [-D ROOT] [-y] install NAME...
// Commands take typed options and throw MossError; only main.ts exits.
import { readSync } from 'node:fs';
import { MossError } from './errors.ts';
import { applyPlan, planInstall, planSync, type PackagePlan } from './packages.ts';
import { mossPaths } from './paths.ts';
import { applyPrune, planPrune } from './prune.ts';
import { openMossDb } from './db.ts';
import { activeStateId, formatCreated, formatState, listStates, requireState } from './state.ts';
import { activateState } from './transaction.ts';

export interface CliIo {
  out: (text: string) => void;
  /** Asks a yes/no question; undefined when there is no terminal to ask on. */
  ask?: (question: string) => boolean;
}

export const USAGE = `usage: moss [-D ROOT] [-y] <command>
  state list               list all states, newest first
  state active             show the active state
  state query ID           show one state
  state activate ID        make an archived state the live /usr
  state prune [-k N]       remove old states, keeping the newest N (default 10)
  sync                     update every selected package from the local repositories
  install NAME...          install packages from the local repositories`;

interface Args {
  root: string;
  yes: boolean;
  words: string[];
  keep?: number;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = { root: '/', yes: false, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new MossError(`${a} needs a value`);
      return v;
    };
    if (a === '-D' || a === '--directory') args.root = value();
    else if (a.startsWith('-D') && a.length > 2) args.root = a.slice(2);
    else if (a.startsWith('--directory=')) args.root = a.slice('--directory='.length);
    else if (a === '-y' || a === '--yes' || a === '--yes-all') args.yes = true;
    else if (a === '-k' || a === '--keep') args.keep = parseId(value(), 'keep');
    else if (a.startsWith('--keep=')) args.keep = parseId(a.slice(7), 'keep');
    else if (a === '-h' || a === '--help') args.words.unshift('help');
    else if (a.startsWith('-') && !/^-?\d+$/.test(a)) throw new MossError(`unknown option: ${a}`);
    else args.words.push(a);
  }
  return args;
}

function parseId(text: string | undefined, what = 'state id'): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new MossError(`invalid ${what}: ${text ?? '(missing)'}`);
  return Number(text);
}

function confirm(io: CliIo, yes: boolean, question: string): boolean {
  if (yes) return true;
  if (!io.ask) throw new MossError('confirmation needed and no terminal to ask on: rerun with -y');
  return io.ask(question);
}

function showPlan(io: CliIo, plan: PackagePlan, verb: string): void {
  io.out(`The following package(s) will be ${verb}:\n\n`);
  for (const c of plan.changes) io.out(`${c.name} ${c.to}\n`);
  io.out('\n');
}

/** Runs one command line; returns the exit status. */
export function runMoss(argv: string[], io: CliIo): number {
  const args = parseArgs(argv);
  const [cmd, sub, ...rest] = args.words;
  const root = args.root;
  if (!cmd || cmd === 'help') {
    io.out(`${USAGE}\n`);
    return cmd ? 0 : 1;
  }
  if (cmd === 'version' || cmd === '--version') {
    io.out('moss (ONIX stand-in) 0.1.0\n');
    return 0;
  }
  if (cmd === 'state') {
    const p = mossPaths(root);
    switch (sub) {
      case 'list': {
        const db = openMossDb(p);
        try {
          for (const s of listStates(db).reverse()) io.out(`${formatState(s)}\n`);
        } finally {
          db.close();
        }
        return 0;
      }
      case 'active':
      case 'query': {
        const id = sub === 'active' ? activeStateId(p) : parseId(rest[0]);
        const db = openMossDb(p);
        try {
          if (id === undefined) throw new MossError(`no active state in ${root} (no /usr/.stateID)`);
          io.out(`${formatState(requireState(db, id))}\n`);
        } finally {
          db.close();
        }
        return 0;
      }
      case 'activate': {
        const id = parseId(rest[0]);
        const r = activateState(root, id);
        io.out(`State ${r.activated} activated (${r.archived} archived)\n`);
        return 0;
      }
      case 'prune': {
        const doomed = planPrune(root, args.keep ?? 10);
        if (doomed.length === 0) {
          io.out('No states to remove\n');
          return 0;
        }
        io.out('The following state(s) will be removed:\n\n');
        for (const s of doomed) io.out(`State #${s.id} - ${s.summary ?? 'system transaction'} (${formatCreated(s.created)})\n`);
        io.out('\n');
        if (!confirm(io, args.yes, 'Do you wish to continue?')) {
          io.out('Cancelled\n');
          return 1;
        }
        const r = applyPrune(root, doomed.map((s) => s.id));
        io.out(`Removed ${r.removed.length} state(s), ${r.packagesRemoved} package(s), ${r.assetsRemoved} asset(s)\n`);
        return 0;
      }
      default:
        throw new MossError(`unknown state command: ${sub ?? '(none)'} (list, active, query, activate, prune)`);
    }
  }
  if (cmd === 'sync' || cmd === 'install') {
    if (cmd === 'install' && !sub) throw new MossError('install needs at least one package name');
    const plan = cmd === 'sync' ? planSync(root) : planInstall(root, [sub, ...rest]);
    if (plan.changes.length === 0) {
      io.out(cmd === 'sync' ? 'No packages to sync\n' : 'All packages already installed\n');
      return 0;
    }
    showPlan(io, plan, cmd === 'sync' ? 'synced' : 'installed');
    if (!confirm(io, args.yes, 'Do you wish to continue?')) {
      io.out('Cancelled\n');
      return 1;
    }
    const id = applyPlan(root, plan, cmd === 'sync' ? 'Sync' : 'Install', `${cmd} ${plan.changes.map((c) => c.name).join(' ')}`);
    io.out(`State #${id} created\n`);
    return 0;
  }
  throw new MossError(`unknown command: ${cmd}\n${USAGE}`);
}

/** A yes/no question on the terminal (stdin must be a TTY). */
export function askOnTerminal(question: string): boolean {
  process.stdout.write(`${question} [y/N] `);
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
