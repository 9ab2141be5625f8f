// Running moss, the machine plane's owner: onix changes /usr, /.moss and /boot only through it.
// Apart from machine.ts (which only reads) so that `onix status` never loads child processes.
import { spawnSync } from 'node:child_process';
import { EXIT, OnixError } from '../cli/errors.ts';

/** How to run moss: the command (default `moss` on PATH) and the root. */
export interface MossOptions {
  /** Path or name of the moss binary (default: `moss`, or $ONIX_MOSS). */
  moss: string;
  root: string;
}

/** What one moss run did. */
export interface MossRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `moss [-D root] -y ARGS...`. Throws OnixError(tool) when moss cannot be
 * started; returns the run (any exit status) otherwise.
 */
export function runMoss(options: MossOptions, args: string[], env: NodeJS.ProcessEnv = process.env): MossRun {
  const full = [...(options.root === '/' ? [] : ['-D', options.root]), '-y', ...args];
  const result = spawnSync(options.moss, full, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OnixError(`moss not found: ${options.moss} (install moss, or pass --moss PATH or set ONIX_MOSS)`, EXIT.tool);
    throw new OnixError(`cannot run moss (${options.moss}): ${code ?? result.error.message}`, EXIT.tool);
  }
  return { status: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}
