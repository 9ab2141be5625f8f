// Node 20's test runner has no --test-force-exit: a test file whose tests have all
// ended but that still holds a handle would hang the whole suite. A minute after a
// file's tests end (time enough for its own after hooks to shut machines down),
// name what is still open and exit; results were already reported, so a failure
// still counts.
import { after } from 'node:test';

function describe(h) {
  const name = `${h?.constructor?.name ?? typeof h}${h?._handle?.hasRef?.() === false ? ' (unref)' : ''}`;
  if (Array.isArray(h?.spawnargs)) return `${name}(${h.spawnargs.join(' ').slice(0, 120)})`;
  if (typeof h?.remoteAddress === 'string' || h?._pipeName) return `${name}(${h.remoteAddress ?? h._pipeName})`;
  return name;
}

after(() => {
  setTimeout(() => {
    const open = `${process.getActiveResourcesInfo().join(', ')} [${process._getActiveHandles().map(describe).join(', ')}]`;
    process.stderr.write(`# ${process.argv[1] ?? 'test file'}: still running 60 s after its tests ended; open: ${open}; exiting\n`);
    process.exit();
  }, 60_000).unref();
});
