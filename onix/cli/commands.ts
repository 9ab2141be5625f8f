// Every onix command and its options, declared in one place. Each command's
// code is its own module, loaded only when that command runs.

import type { CommandRun } from './context.ts';

export interface OptionSpec {
  name: string;
  /** Placeholder when the option takes a value (`--keep N`); absent for flags. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, e.g. `PATH`. */
  positionals: { name: string; required: boolean }[];
  options: OptionSpec[];
  /** Longer description shown by `onix CMD --help`. */
  details: string;
  /** Exit codes this command uses besides the common ones. */
  exits: number[];
  load: () => Promise<CommandRun>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'root', value: 'DIR', description: 'inspect the ONIX root at DIR instead of / (like moss -D)' },
  { name: 'json', description: 'print machine-readable JSON' },
  { name: 'moss', value: 'PATH', description: 'moss binary (default: $ONIX_MOSS, else moss on PATH)' },
  { name: 'nix', value: 'PATH', description: 'nix binary (default: $ONIX_NIX, else nix on PATH)' },
  { name: 'help', description: 'show help (onix CMD --help for one command)' },
  { name: 'version', description: 'print the onix version' },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: 'status',
    summary: 'active state, boot entry, nix daemon, /etc drift, graphics bridge',
    positionals: [],
    options: [{ name: 'verbose', description: 'also name each drifted /etc file and each bad bridge link' }],
    details:
      "Reads moss's state (/usr/.stateID, /.moss/db/state, BLS entries by their moss.fstx= option),\n" +
      'checks the nix daemon socket with the worker-protocol handshake, compares /etc with\n' +
      '/usr/share/defaults/etc and checks that /run/opengl-driver resolves into the active /usr.\n' +
      'Changes nothing.',
    exits: [0, 2, 3],
    load: async () => (await import('./status.ts')).status,
  },
  {
    name: 'rollback',
    summary: 'activate the previous (or given) machine state through moss',
    positionals: [],
    options: [{ name: 'to', value: 'ID', description: 'activate state ID instead of the previous one' }],
    details:
      'Runs `moss state activate ID`. Fingerprints the Nix plane (store paths, database,\n' +
      'profiles and generations, daemon socket) before and after and prints "/nix: untouched"\n' +
      'only when they are identical; fails (exit 1) when /nix changed. A reboot is needed\n' +
      'for the kernel and the graphics bridge.',
    exits: [0, 1, 2, 3, 4, 5],
    load: async () => (await import('./rollback.ts')).rollback,
  },
  {
    name: 'gc',
    summary: 'moss state prune, then nix store gc, with guardrails',
    positionals: [],
    options: [
      { name: 'keep', value: 'N', description: 'machine states moss keeps (default: 10)' },
      { name: 'dry-run', description: 'show what each plane would free; change nothing' },
    ],
    details:
      'Runs `moss state prune -k N`, then `nix store gc`, in that order, under a lock\n' +
      '(/run/onix/gc.lock in the root). Never prunes the active state or the state the\n' +
      'machine booted; stops before the Nix step if the moss step failed. Reports what\n' +
      'each plane freed.',
    exits: [0, 1, 2, 3, 4, 5],
    load: async () => (await import('./gc.ts')).gc,
  },
  {
    name: 'doctor',
    summary: 'check every invariant of the ownership contract and the seam',
    positionals: [],
    options: [],
    details:
      'Checks each contract surface, the nixbld group (GID 6649) and users, nix.conf\n' +
      'defaults, the daemon (socket handshake and `nix store ping`), the profile hook, the\n' +
      'graphics bridge, and that no moss file is under /nix and no Nix path under /usr.\n' +
      'Prints each failure with what to do; exit 1 when any check fails.',
    exits: [0, 1, 2, 3],
    load: async () => (await import('./doctor.ts')).doctor,
  },
  {
    name: 'owner',
    summary: 'which plane owns PATH, by the contract (longest prefix)',
    positionals: [{ name: 'PATH', required: true }],
    options: [],
    details:
      'Prints three lines: the owner (as the contract names it), the reason, and the\n' +
      'surface that matched. Symlinks are followed inside the root (/bin/sh is /usr/bin/sh).\n' +
      'A path no surface covers prints "unowned" and exits 1. PATH must be absolute, or\n' +
      "name a surface that is a kind of file ('setuid binaries'): then the owners of those\n" +
      'files on the machine, by their paths, and a fourth line listing them; exit 1 unless\n' +
      "every one is the contract's owner.",
    exits: [0, 1, 2],
    load: async () => (await import('./owner.ts')).owner,
  },
  {
    name: 'contract',
    summary: 'print the ownership contract (Surface | Owner | Reason)',
    positionals: [],
    options: [],
    details: "The table onix owner and onix doctor use; the site's contract table is checked against it.",
    exits: [0, 2],
    load: async () => (await import('./contract.ts')).contract,
  },
  {
    name: 'update',
    summary: 'moss sync: a new machine state, reboot pending',
    positionals: [],
    options: [],
    details: 'Runs `moss sync`, then reports the new fstx and that a reboot is pending.',
    exits: [0, 1, 2, 3, 4],
    load: async () => (await import('./update.ts')).update,
  },
  {
    name: 'mirror',
    summary: 'snapshot the stones the states use, and the repository index, into DIR',
    positionals: [{ name: 'DIR', required: false }],
    options: [{ name: 'verify', description: 'check DIR against its SHA256SUMS instead; one line per problem' }],
    details:
      'Copies the stone file of every package a recorded state (active or archived) selects,\n' +
      "from moss's download cache (/.moss/cache/downloads/v1), and moss's repository index\n" +
      '(/.moss/repo/*/stone.index) into DIR (default /persist/mirror), each stone where the\n' +
      'index puts it, then writes SHA256SUMS. DIR is then a repository:\n' +
      '`moss repo add NAME file://DIR/stone.index`. An existing mirror is updated in place;\n' +
      'a non-empty DIR that is not a mirror is refused. --verify exits 1 on any problem.',
    exits: [0, 1, 2, 3, 5],
    load: async () => (await import('./mirror.ts')).mirror,
  },
];

/** Exit codes, as `--help` documents them. */
export const EXIT_DOCS: Record<number, string> = {
  0: 'success',
  1: 'ran and failed: a check failed, moss or nix failed, or /nix changed',
  2: 'usage: unknown command or option, bad argument',
  3: 'the root cannot be read: missing, not an ONIX root, unreadable or corrupt moss state',
  4: 'a tool is missing or unreachable: moss, nix, the nix daemon',
  5: 'refused, nothing changed: no earlier state, unknown state id, gc already running, would prune the booted state',
};
