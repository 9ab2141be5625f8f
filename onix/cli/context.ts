// What every command receives: the parsed global options and its own.

/** Global options, shared by every command. */
export interface GlobalOptions {
  /** Root of the machine to inspect (default: `/`). Like moss's `-D`. */
  root: string;
  /** Print machine-readable JSON instead of text (default: false). */
  json: boolean;
  /** moss binary (default: $ONIX_MOSS, else `moss` on PATH). */
  moss: string;
  /** nix binary (default: $ONIX_NIX, else `nix` on PATH). */
  nix: string;
}

/** One command's invocation. */
export interface CommandContext extends GlobalOptions {
  /** Positional arguments after the command name. */
  args: string[];
  /** The command's own options: flags are `true`, valued options their string. */
  options: Record<string, string | true>;
  /** Environment (default: process.env); tests and fault hooks read it. */
  env: NodeJS.ProcessEnv;
  /** Writes one chunk of output to stdout. */
  print(text: string): void;
}

/** A command module's single export. Returns the exit code. */
export type CommandRun = (ctx: CommandContext) => Promise<number>;

/** `label:` padded to the seed's column (13), then the value: `active fstx: 12`. */
export function field(label: string, value: string): string {
  return `${(`${label}:`).padEnd(13)}${value}`;
}
