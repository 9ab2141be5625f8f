// The onix command's entry point. Run with `npx tsx onix/cli/main.ts`, or
// through onix/bin/onix.js (a cached esbuild bundle of this file). Only this
// file ends the process.

import { main } from './run.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`onix: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
