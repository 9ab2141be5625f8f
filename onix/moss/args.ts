// moss's command line, tokenized by node:util's parseArgs with the flags upstream's clap
// definitions declare (os-tools moss/src/cli/{mod,state,list,repo}.rs): global -D/--directory,
// -y/--yes-all, -v/--verbose, -h/--help, --version; state activate --skip-triggers
// --skip-boot; state prune -k/--keep, --include-newer; list installed -e/--explicit;
// repo add -c/--comment, -p/--priority; inspect --check, -q/--quiet (cli/inspect.rs). Mistakes get moss's one-line error.
import { parseArgs as tokenize } from 'node:util';
import { MossError } from './errors.ts';

export interface Args {
  /** -D, --directory (default: "/"). */
  root: string;
  /** -y, --yes-all: answer yes to every confirmation (default: false). */
  yes: boolean;
  /** The command words and their arguments, e.g. ["state", "activate", "3"]. */
  words: string[];
  /** -k, --keep: states prune keeps (default: undefined, prune's own default). */
  keep?: number;
  includeNewer: boolean;
  skipTriggers: boolean;
  skipBoot: boolean;
  /** -e, --explicit: list installed shows explicit packages only. */
  explicit: boolean;
  /** repo add -c (default: "..."). */
  comment: string;
  /** repo add -p (default: 0). */
  priority: number;
  /** inspect --check: check every payload's checksum instead of describing. */
  check: boolean;
  /** inspect -q/--quiet: only the exit status tells (needs --check). */
  quiet: boolean;
  help: boolean;
  version: boolean;
}

const OPTIONS = {
  directory: { type: 'string', short: 'D' },
  'yes-all': { type: 'boolean', short: 'y' },
  yes: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'skip-triggers': { type: 'boolean' },
  'skip-boot': { type: 'boolean' },
  keep: { type: 'string', short: 'k' },
  'include-newer': { type: 'boolean' },
  explicit: { type: 'boolean', short: 'e' },
  comment: { type: 'string', short: 'c' },
  priority: { type: 'string', short: 'p' },
  check: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function count(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new MossError(`invalid ${what}: ${text}`);
  return Number(text);
}

export function parseArgs(argv: string[]): Args {
  const { tokens = [] } = tokenize({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | true> = {};
  const words: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') words.push(t.value);
    if (t.kind !== 'option') continue;
    const spec = (OPTIONS as Record<string, { type: 'string' | 'boolean' }>)[t.name];
    if (!spec) throw new MossError(`unknown option: ${t.rawName}`);
    if (spec.type === 'string' && t.value === undefined) throw new MossError(`${t.rawName} needs a value`);
    if (spec.type === 'boolean' && t.inlineValue) throw new MossError(`${t.rawName} takes no value`);
    values[t.name] = spec.type === 'string' ? (t.value as string) : true;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  return {
    root: str('directory') ?? '/',
    yes: values['yes-all'] === true || values.yes === true,
    words,
    keep: str('keep') === undefined ? undefined : count(str('keep')!, 'keep'),
    includeNewer: values['include-newer'] === true,
    skipTriggers: values['skip-triggers'] === true,
    skipBoot: values['skip-boot'] === true,
    explicit: values.explicit === true,
    comment: str('comment') ?? '...',
    priority: str('priority') === undefined ? 0 : count(str('priority')!, 'priority'),
    check: values.check === true,
    quiet: values.quiet === true,
    help: values.help === true,
    version: values.version === true,
  };
}
