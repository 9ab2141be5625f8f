// Command-line parsing against the declarations in commands.ts, with node:util's
// parseArgs as the tokenizer. Global options may come before or after the command
// name; `--opt=value` and `--opt value` are both accepted; `--` ends the options.
// parseArgs runs unstrict so that every mistake gets onix's own one-line usage error
// (and exit 2) rather than Node's message.

import { parseArgs as tokenize, type ParseArgsConfig } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands.ts';
import { EXIT, OnixError } from './errors.ts';

export interface ParsedArgs {
  command: CommandSpec | null;
  globals: Record<string, string | true>;
  options: Record<string, string | true>;
  positionals: string[];
}

type Token = NonNullable<ReturnType<typeof tokenize>['tokens']>[number];

function optionTypes(specs: OptionSpec[]): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(specs.map((o) => [o.name, { type: o.value ? ('string' as const) : ('boolean' as const) }]));
}

function tokens(argv: string[], specs: OptionSpec[]): Token[] {
  return tokenize({ args: argv, options: optionTypes(specs), strict: false, allowPositionals: true, tokens: true }).tokens ?? [];
}

function unknownOption(raw: string, command: CommandSpec | null): OnixError {
  const where = command ? ` for onix ${command.name}` : '';
  return new OnixError(`unknown option: ${raw}${where} (see onix ${command ? `${command.name} ` : ''}--help)`, EXIT.usage);
}

/** The command named by the first positional argument (options before it are the global ones). */
function findCommand(argv: string[]): { command: CommandSpec | null; index: number } {
  const first = tokens(argv, GLOBAL_OPTIONS).find((t) => t.kind === 'positional');
  if (first?.kind !== 'positional') return { command: null, index: -1 };
  const command = COMMANDS.find((c) => c.name === first.value);
  if (!command) throw new OnixError(`unknown command: ${first.value} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`, EXIT.usage);
  return { command, index: first.index };
}

export function parseArgs(argv: string[]): ParsedArgs {
  const { command, index } = findCommand(argv);
  const rest = index === -1 ? argv : [...argv.slice(0, index), ...argv.slice(index + 1)];
  const own = command?.options ?? [];
  const globals: Record<string, string | true> = {};
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (const t of tokens(rest, [...own, ...GLOBAL_OPTIONS])) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const spec = own.find((o) => o.name === t.name) ?? GLOBAL_OPTIONS.find((o) => o.name === t.name);
    if (!spec || !t.rawName.startsWith('--')) throw unknownOption(t.rawName, command);
    if (spec.value && !t.value) throw new OnixError(`option --${t.name} needs a value (${spec.value})`, EXIT.usage);
    if (!spec.value && t.inlineValue) throw new OnixError(`option --${t.name} takes no value`, EXIT.usage);
    (own.includes(spec) ? options : globals)[t.name] = spec.value ? (t.value as string) : true;
  }
  if (command && !globals.help) {
    const max = command.positionals.length;
    const min = command.positionals.filter((p) => p.required).length;
    if (positionals.length > max) throw new OnixError(`onix ${command.name}: unexpected argument: ${positionals[max]}`, EXIT.usage);
    if (positionals.length < min)
      throw new OnixError(`onix ${command.name}: missing ${command.positionals[positionals.length].name} (see onix ${command.name} --help)`, EXIT.usage);
  }
  return { command, globals, options, positionals };
}
