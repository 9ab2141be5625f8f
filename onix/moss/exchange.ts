// The atomic swap and the root lock: a few lines of C (exchange.c) calling renameat2(RENAME_EXCHANGE) and flock(2),
// built statically. Node has neither, so moss runs this binary.
// Lookup: $MOSS_EXCHANGE, then /usr/libexec/moss/moss-exchange (in the image),
// then a build cached under <repo>/.cache/moss/ from exchange.c (host, tests).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MossError } from './errors.ts';

/** Where the image installs the helper. */
export const IMAGE_EXCHANGE = '/usr/libexec/moss/moss-exchange';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'exchange.c');

/** Compiles exchange.c statically to `out` (musl-gcc if present, else gcc -static). */
export function buildExchange(out: string): string {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const compilers: [string, string[]][] = [
    ['musl-gcc', ['-static', '-Os', '-s', '-o', tmp, SOURCE]],
    ['gcc', ['-static', '-Os', '-s', '-o', tmp, SOURCE]],
  ];
  for (const [cc, args] of compilers) {
    const r = spawnSync(cc, args, { encoding: 'utf8' });
    if (r.status === 0) {
      renameSync(tmp, out);
      return out;
    }
  }
  throw new MossError('cannot build moss-exchange: install musl-tools (or gcc with static glibc)');
}

let cached: string | undefined;

/** Path of a working moss-exchange binary. */
export function exchangeBinary(): string {
  if (cached) return cached;
  if (process.env.MOSS_EXCHANGE) cached = process.env.MOSS_EXCHANGE;
  else if (existsSync(IMAGE_EXCHANGE)) cached = IMAGE_EXCHANGE;
  if (cached) return cached;
  if (!existsSync(SOURCE)) throw new MossError(`moss-exchange not found (${IMAGE_EXCHANGE})`);
  const out = resolve(here, '../../.cache/moss/moss-exchange');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(SOURCE).mtimeMs) buildExchange(out);
  cached = out;
  return out;
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
export function acquireLock(lockfile: string, out: (text: string) => void = (t) => process.stdout.write(t)): () => void {
  const fd = openSync(lockfile, 'a');
  const r = spawnSync(exchangeBinary(), ['--flock'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.stdout) out(r.stdout);
  if (r.status !== 0) {
    closeSync(fd);
    throw new MossError((r.stderr || `cannot lock ${lockfile} (${r.status})`).trim());
  }
  return () => closeSync(fd);
}
