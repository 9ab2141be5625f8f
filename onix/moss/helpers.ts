// The stand-in's two static C helpers, for the system calls Node lacks: moss-exchange
// (renameat2, flock: exchange.c) and moss-container (namespaces, pivot_root: container.c).
// Lookup: $MOSS_EXCHANGE / $MOSS_CONTAINER, then /usr/libexec/moss/moss-<name> (in the
// image), then a build cached under <repo>/.cache/moss/ from the C source (host, tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MossError } from './errors.ts';

export type HelperName = 'exchange' | 'container';

/** The C source of a helper (host only: in the image's CommonJS bundle import.meta is empty). */
export function helperSource(name: HelperName): string {
  return join(dirname(fileURLToPath(import.meta.url)), `${name}.c`);
}

/** Where the image installs a helper. */
export function imageHelperPath(name: HelperName): string {
  return `/usr/libexec/moss/moss-${name}`;
}

/** Compiles the C file `source` statically to `out` (musl-gcc if present, else gcc -static); false when neither can. */
export function compileStatic(source: string, out: string): boolean {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  for (const cc of ['musl-gcc', 'gcc']) {
    const r = spawnSync(cc, ['-static', '-Os', '-s', '-o', tmp, source], { encoding: 'utf8' });
    if (r.status === 0) {
      renameSync(tmp, out);
      return true;
    }
  }
  return false;
}

/** Compiles a helper statically to `out`. */
export function buildHelper(name: HelperName, out: string): string {
  if (compileStatic(helperSource(name), out)) return out;
  throw new MossError(`cannot build moss-${name}: install musl-tools (or gcc with static glibc)`);
}

const cached = new Map<HelperName, string>();

/** Path of a working helper binary. */
export function helperBinary(name: HelperName): string {
  const known = cached.get(name);
  if (known) return known;
  const fromEnv = process.env[`MOSS_${name.toUpperCase()}`];
  let path = fromEnv || (existsSync(imageHelperPath(name)) ? imageHelperPath(name) : undefined);
  if (!path) {
    const source = helperSource(name);
    if (!existsSync(source)) throw new MossError(`moss-${name} not found (${imageHelperPath(name)})`);
    path = resolve(dirname(source), `../../.cache/moss/moss-${name}`);
    if (!existsSync(path) || statSync(path).mtimeMs < statSync(source).mtimeMs) buildHelper(name, path);
  }
  cached.set(name, path);
  return path;
}
