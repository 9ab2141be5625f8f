// onix's and moss's output goes straight to fd 1 with writeSync rather than through process.stdout:
// making that stream (a net.Socket for a pipe, with all of node:stream behind it) cost
// every onix command 80-100 ms on the test VM under TCG (node -e printing one byte into a
// pipe: 316-354 ms through process.stdout, 234-242 ms with writeSync) and 2-3 ms on a host.
//
// fd 1 is blocking when a shell, a terminal or a spawning Node process hands it over (libuv
// makes a child's stdio blocking); a non-blocking one (EAGAIN) hands this and every later
// write to process.stdout, which waits for the reader, so the order is kept. A reader that
// stops early (`onix status | head -1`) is not an error: the rest is dropped and the command
// finishes what it was doing, rather than stopping half-way through a change.
import { writeSync } from 'node:fs';

let viaStream = false;
let readerGone = false;

export function writeStdout(text: string): void {
  if (readerGone) return;
  if (viaStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        readerGone = true;
        return;
      }
      if (code !== 'EAGAIN') throw error;
      viaStream = true;
      process.stdout.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
        readerGone = true;
      });
      process.stdout.write(bytes.subarray(done));
      return;
    }
  }
}
