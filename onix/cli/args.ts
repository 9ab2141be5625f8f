// Command-line parsing against the declarations in commands.ts. Global
// options may come before or after the command name; `--opt=value` and
// `--opt value` are both accepted.

import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands.ts';
import { EXIT, OnixError } from './errors.ts';

export interface ParsedArgs {
  command: CommandSpec | null;
  globals: Record<string, string | true>;
  options: Record<string, string | true>;
  positionals: string[];
}

export function parseArgs(argv: string[]): ParsedArgs {
  const globals: Record<string, string | true> = {};
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  let command: CommandSpec | null = null;
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      if (!command && !onlyPositionals) {
        command = COMMANDS.find((c) => c.name === arg) ?? null;
        if (!command) throw new OnixError(`unknown command: ${arg} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`, EXIT.usage);
      } else {
        positionals.push(arg);
      }
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new OnixError(`unknown option: ${arg}${command ? ` for onix ${command.name}` : ''} (see onix ${command ? command.name + ' ' : ''}--help)`, EXIT.usage);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const own = command?.options.find((o) => o.name === name);
    const global = GLOBAL_OPTIONS.find((o) => o.name === name);
    const spec: OptionSpec | undefined = own ?? global;
    if (!spec) throw new OnixError(`unknown option: --${name}${command ? ` for onix ${command.name}` : ''} (see onix ${command ? command.name + ' ' : ''}--help)`, EXIT.usage);
    let value: string | true = true;
    if (spec.value) {
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new OnixError(`option --${name} needs a value (${spec.value})`, EXIT.usage);
      if (value === '') throw new OnixError(`option --${name} needs a value (${spec.value})`, EXIT.usage);
    } else if (eq !== -1) {
      throw new OnixError(`option --${name} takes no value`, EXIT.usage);
    }
    (own ? options : globals)[name] = value;
  }
  if (command && !globals.help) {
    const max = command.positionals.length;
    const min = command.positionals.filter((p) => p.required).length;
    if (positionals.length > max) throw new OnixError(`onix ${command.name}: unexpected argument: ${positionals[max]}`, EXIT.usage);
    if (positionals.length < min) throw new OnixError(`onix ${command.name}: missing ${command.positionals[positionals.length].name} (see onix ${command.name} --help)`, EXIT.usage);
  }
  return { command, globals, options, positionals };
}
