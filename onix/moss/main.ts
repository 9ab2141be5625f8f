#!/usr/bin/env node
// `moss`: the ONIX stand-in for upstream moss (see README.md). Thin entry point.
import { askOnTerminal, runMoss } from './cli.ts';
import { MossError } from './errors.ts';
import { loadXxh3 } from './xxh3.ts';
import { writeStdout } from '../stdout.ts';

function run(): void {
  process.exitCode = runMoss(process.argv.slice(2), {
    out: writeStdout,
    // Looked at only when a command must confirm: making process.stdin costs as much as
    // process.stdout does (onix/stdout.ts).
    get ask() {
      return process.stdin.isTTY ? askOnTerminal : undefined;
    },
  });
}

// Bundled as CommonJS (no top-level await): the hasher is loaded before any command runs.
loadXxh3()
  .then(run)
  .catch((e: unknown) => {
    if (e instanceof MossError) {
      process.stderr.write(`moss: ${e.message}\n`);
      process.exitCode = 1;
    } else if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall) {
      // A system error (permissions, full disk): one line, no stack.
      process.stderr.write(`moss: ${e.message}\n`);
      process.exitCode = 1;
    } else throw e;
  });
