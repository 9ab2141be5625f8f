// Imported into every test process by test/run.mjs: when the process exits, one line with its
// test file, when it started and ended (ms since the epoch) and the CPU seconds it and the
// children it waited for used (machines, browsers, builds) goes to $ONIX_TEST_CLOCK, so the
// runner can say which files held the suite up and which ones the two cores were busy with.
// Node 20's reporters cannot: they hear about files running side by side only in file order.
import { appendFileSync, readFileSync } from 'node:fs';

const log = process.env.ONIX_TEST_CLOCK;
const file = process.argv[1];
const started = Date.now();
if (log && file?.endsWith('.test.ts')) {
  process.on('exit', () => appendFileSync(log, `${JSON.stringify({ file, started, ended: Date.now(), cpu: cpuSeconds() })}\n`));
}

/** utime + stime + cutime + cstime of /proc/self/stat (fields 14-17, in clock ticks of 1/100 s). */
function cpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    return null; // no procfs: the summary leaves the column out
  }
}
