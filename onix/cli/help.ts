// --help text for onix and for each command, from the declarations.

import { COMMANDS, EXIT_DOCS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands.ts';

function optionLines(options: OptionSpec[]): string[] {
  return options.map((o) => `  ${`--${o.name}${o.value ? ` ${o.value}` : ''}`.padEnd(16)}  ${o.description}`);
}

function exitLines(codes: number[]): string[] {
  return codes.map((c) => `  ${c}  ${EXIT_DOCS[c]}`);
}

export function mainHelp(): string {
  return [
    'usage: onix [--root DIR] [--json] COMMAND [OPTIONS]',
    '',
    'The ONIX machine: moss owns the machine plane, Nix owns the toolbox.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`),
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'exit codes:',
    ...exitLines(Object.keys(EXIT_DOCS).map(Number)),
    '',
  ].join('\n');
}

export function commandHelp(c: CommandSpec): string {
  const usage = [
    `onix ${c.name}`,
    ...c.options.map((o) => `[--${o.name}${o.value ? ` ${o.value}` : ''}]`),
    ...c.positionals.map((p) => (p.required ? p.name : `[${p.name}]`)),
  ];
  return [
    `usage: ${usage.join(' ')}`,
    '',
    `${c.summary}.`,
    '',
    c.details,
    '',
    ...(c.options.length ? ['options:', ...optionLines(c.options), ''] : []),
    'global options:',
    ...optionLines(GLOBAL_OPTIONS.filter((o) => o.name !== 'version')),
    '',
    'exit codes:',
    ...exitLines(c.exits),
    '',
  ].join('\n');
}
