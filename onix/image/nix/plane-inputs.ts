// The inputs of the Nix plane: the reviewed Debian packages (fetched and unpacked,
// cached), a snapshot of our own sources in this folder, and the host compiler's
// version; together they name the plane's cache entry.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fetchDebs, unpackDeb, type DebPin } from '../debs.ts';
import { REPO_ROOT } from '../../repo-root.ts';
import { ImageBuildError } from '../host-tools.ts';

/** Bump when the recipe changes in a way the source hash would not show. */
export const PLANE_RECIPE = 'onix-nix-plane-5';
const HERE = join(REPO_ROOT, 'onix/image/nix');
/** The reviewed Debian inputs of the plane (regenerate with `npx tsx onix/image/nix/lock.ts`). */
export const NIX_PACKAGES = join(HERE, 'packages.txt');

/** Debian version without epoch and revision: "1:1.35.0-4+deb12u1+b1" -> "1.35.0". */
export function upstreamVersion(v: string): string {
  const noEpoch = v.replace(/^\d+:/, '');
  const i = noEpoch.lastIndexOf('-');
  return (i > 0 ? noEpoch.slice(0, i) : noEpoch).replace(/[^A-Za-z0-9+\-._?=]/g, '_');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * Our own sources that shape the plane (this dir, minus the lock script and docs),
 * read once when this module loads: the hash that names the cache entry and
 * the files that go into the store are the same bytes as the code running,
 * even if the working tree changes while a build is under way.
 */
const SOURCES: ReadonlyMap<string, Buffer> = new Map(
  filesUnder(HERE)
    .filter((f) => basename(f) !== 'lock.ts' && !f.endsWith('.md'))
    .map((f) => [relative(HERE, f), readFileSync(f)] as const),
);

export function sourcesHash(): string {
  const h = createHash('sha256');
  for (const [rel, bytes] of SOURCES) h.update(`${rel}\0`).update(bytes).update('\0');
  return h.digest('hex');
}

/** Writes the snapshot of our sources under `prefix` (e.g. "flake/") into `dir`. */
export function writeSources(prefix: string, dir: string): void {
  for (const [rel, bytes] of SOURCES) {
    if (!rel.startsWith(prefix)) continue;
    const to = join(dir, rel.slice(prefix.length));
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, bytes);
  }
}

/** One of our source files in this folder, as snapshotted when the module loaded. */
export function sourceFile(rel: string): Buffer {
  const bytes = SOURCES.get(rel);
  if (!bytes) throw new ImageBuildError(`onix/image/nix/${rel} is missing`);
  return bytes;
}

export function hostGccVersion(): string {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new ImageBuildError('missing host tool: gcc (install with: apt-get install gcc)');
  return r.stdout.split('\n')[0];
}

export function pinsOf(groups: Map<string, DebPin[]>, name: string): DebPin[] {
  const g = groups.get(name);
  if (!g) throw new ImageBuildError(`${NIX_PACKAGES}: missing group [${name}]`);
  return g;
}

export interface UnpackOptions {
  /** Cache of downloaded .debs, shared with the rest of the image (default: debs.ts's). */
  debCacheDir?: string;
  /** Called with one short line per step (default: silent). */
  onProgress?: (line: string) => void;
}

/** Fetches and unpacks (cached) every pinned deb; returns name -> unpacked dir. */
export async function unpackAll(pins: DebPin[], cacheDir: string, options: UnpackOptions): Promise<Map<string, string>> {
  const unique = new Map(pins.map((p) => [`${p.name}=${p.version}`, p]));
  const debs = await fetchDebs([...unique.keys()], { cacheDir: options.debCacheDir, onProgress: options.onProgress });
  const out = new Map<string, string>();
  for (const p of unique.values()) {
    const dir = join(cacheDir, 'unpacked', `${p.name}_${p.version.replace(/[^A-Za-z0-9+.~-]/g, '_')}`);
    if (!existsSync(dir)) {
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await unpackDeb(debs.get(p.name)!, tmp);
      renameSync(tmp, dir);
    }
    out.set(p.name, dir);
  }
  return out;
}
