// Parse, dispatch, and turn OnixErrors into one line and an exit code.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from './args.ts';
import { writeStdout } from '../stdout.ts';
import { commandHelp, mainHelp } from './help.ts';
import { EXIT, OnixError } from './errors.ts';
import type { CommandContext } from './context.ts';
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;

/** Runs onix with `argv` (without node and script); returns the exit code. `print` takes what it prints (default: fd 1). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, print: (text: string) => void = writeStdout): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.globals.version) {
      print(`onix ${VERSION}\n`);
      return EXIT.ok;
    }
    if (parsed.globals.help || !parsed.command) {
      print(parsed.command ? commandHelp(parsed.command) : mainHelp());
      return parsed.command || parsed.globals.help ? EXIT.ok : EXIT.usage;
    }
    const rootArg = typeof parsed.globals.root === 'string' ? parsed.globals.root : '/';
    const root = resolve(rootArg);
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new OnixError(`--root ${rootArg}: no such directory`, EXIT.root);
    const ctx: CommandContext = {
      root,
      json: parsed.globals.json === true,
      moss: typeof parsed.globals.moss === 'string' ? parsed.globals.moss : env.ONIX_MOSS || 'moss',
      nix: typeof parsed.globals.nix === 'string' ? parsed.globals.nix : env.ONIX_NIX || 'nix',
      args: parsed.positionals,
      options: parsed.options,
      env,
      print,
    };
    const run = await parsed.command.load();
    return await run(ctx);
  } catch (error) {
    if (error instanceof OnixError) {
      process.stderr.write(`onix: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
