// The atomic swap and the root lock: a few lines of C (exchange.c) calling renameat2(RENAME_EXCHANGE)
// and flock(2), built statically (helpers.ts). Node has neither, so moss runs this binary.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { MossError } from './errors.ts';
import { helperBinary } from './helpers.ts';
import { writeStdout } from '../stdout.ts';

/** Path of a working moss-exchange binary. */
export function exchangeBinary(): string {
  return helperBinary('exchange');
}

/** Atomically exchanges two existing paths on one filesystem. */
export function exchange(a: string, b: string): void {
  const r = spawnSync(exchangeBinary(), [a, b], { encoding: 'utf8' });
  if (r.status !== 0) throw new MossError((r.stderr || `moss-exchange failed (${r.status})`).trim());
}

/**
 * Takes moss's exclusive lock on a root (/.moss/.moss-lockfile, created if absent) and
 * returns the release function; the lock is held as long as the returned fd stays open
 * (and is dropped by the kernel if the process dies). Blocks while another moss holds it.
 */
export function acquireLock(lockfile: string, out: (text: string) => void = writeStdout): () => void {
  const fd = openSync(lockfile, 'a');
  const r = spawnSync(exchangeBinary(), ['--flock'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.stdout) out(r.stdout);
  if (r.status !== 0) {
    closeSync(fd);
    throw new MossError((r.stderr || `cannot lock ${lockfile} (${r.status})`).trim());
  }
  return () => closeSync(fd);
}
