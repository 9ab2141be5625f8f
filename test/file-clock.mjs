// Imported into every test process by test/run.mjs: when the process exits, one line with its
// test file and when it started and ended (ms since the epoch) goes to $ONIX_TEST_CLOCK, so the
// runner can say which files held the suite up. Node 20's reporters cannot: they hear about
// files running side by side only in file order.
import { appendFileSync } from 'node:fs';

const log = process.env.ONIX_TEST_CLOCK;
const file = process.argv[1];
const started = Date.now();
if (log && file?.endsWith('.test.ts')) {
  process.on('exit', () => appendFileSync(log, `${JSON.stringify({ file, started, ended: Date.now() })}\n`));
}
