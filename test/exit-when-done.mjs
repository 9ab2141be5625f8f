// Node 20's test runner has no --test-force-exit: a test file whose tests have all
// ended but that still holds a handle (seen once: an esbuild service child after a
// cold image build) would hang the whole suite. A minute after a file's tests end
// (time enough for its own after hooks to shut machines down), say so and exit;
// results were already reported, so a failure still counts.
import { after } from 'node:test';

after(() => {
  setTimeout(() => {
    process.stderr.write(`# ${process.argv[1] ?? 'test file'}: still running 60 s after its tests ended (a leaked handle); exiting\n`);
    process.exit();
  }, 60_000).unref();
});
