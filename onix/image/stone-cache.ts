// Built stones, cached by the hash of everything that decides their content:
// <image cache>/stones/<name>-<version>-<key>/ is a one-stone StoneRepository.
// A build that changes only the onix command rebuilds only the onix-cli stone.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StoneRepository, type Stone, type StoneMeta } from '../moss/index.ts';
import { IMAGE_CACHE } from './debs.ts';
import { HashMemo } from './hash-memo.ts';
import { sha256File as sha256OfFile } from '../file-hash.ts';
import { REPO_ROOT } from '../repo-root.ts';
import type { Progress } from '../task.ts';
import { claimDir } from '../owned-dirs.ts';

/** Bump to rebuild every stone (a change in how recipes lay files out). */
const RECIPE_VERSION = '1';

export interface StoneRecipe {
  meta: StoneMeta;
  /** Everything that decides the content besides meta (deb file names, file hashes, ...). */
  inputs: string[];
  /** The code that lays this stone out, when it is narrower than the whole builder (default:
   *  every .ts in onix/image and onix/image/recipes): a slow source build names its own files, so
   *  an edit elsewhere in the builder does not rebuild it. onix/moss (the stone format) always counts. */
  code?: string[];
  /** Fills `usr` (becomes the stone's /usr); `work` is scratch space removed afterwards. */
  make(usr: string, work: string): Promise<void>;
}

export interface CachedStone {
  stone: Stone;
  repo: StoneRepository;
  key: string;
  /** Whether it was built now (false: from the cache). */
  built: boolean;
}

export function hashText(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

const memo = new HashMemo(join(IMAGE_CACHE, 'file-hashes.json'));

/** sha256 over the files' names and sha256s, each file read once while it is unchanged (hash-memo.ts). */
export function hashFiles(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(basename(f)).update('\0').update(memo.digest(f, sha256OfFile)).update('\0');
  return h.digest('hex');
}

/** Hash of the .ts/.c files directly in these dirs (relative to the repo root). */
export function sourceHash(dirs: string[]): string {
  const files = dirs.flatMap((d) =>
    readdirSync(join(REPO_ROOT, d))
      .filter((f) => /\.(ts|c)$/.test(f))
      .sort()
      .map((f) => join(REPO_ROOT, d, f)),
  );
  return hashFiles(files);
}

let recipesHash: string | undefined;
let mossHash: string | undefined;

/** A stone's cache key: its meta, its inputs, and the code that lays stones out. */
export function recipeKey(r: StoneRecipe): string {
  recipesHash ??= sourceHash(['onix/image', 'onix/image/recipes', 'onix/moss']);
  mossHash ??= sourceHash(['onix/moss']);
  const code = r.code ? hashText(mossHash, hashFiles(r.code)) : recipesHash;
  return hashText(RECIPE_VERSION, code, JSON.stringify(r.meta), ...r.inputs).slice(0, 16);
}

export async function cachedStone(recipe: StoneRecipe, progress: Progress, cacheDir = IMAGE_CACHE): Promise<CachedStone> {
  const key = recipeKey(recipe);
  const dir = join(cacheDir, 'stones', `${recipe.meta.name}-${recipe.meta.version}-${key}`);
  if (existsSync(join(dir, 'stone.index'))) {
    const repo = StoneRepository.open(dir);
    return { stone: repo.stones()[0], repo, key, built: false };
  }
  const what = `stone ${recipe.meta.name} ${recipe.meta.version}`;
  const start = performance.now();
  progress(`building ${what}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const work = join(tmp, 'work');
  const usr = join(work, 'usr');
  mkdirSync(usr, { recursive: true });
  claimDir(tmp);
  await recipe.make(usr, work);
  const repo = StoneRepository.open(join(tmp, 'repo'), true);
  repo.addFromTree(recipe.meta, usr);
  rmSync(work, { recursive: true, force: true });
  // The repository lives in tmp/repo; move it to its final name, unless a
  // concurrent build of the same stone got there first (then use that one).
  publishDir(join(tmp, 'repo'), dir, 'stone.index');
  rmSync(tmp, { recursive: true, force: true });
  const final = StoneRepository.open(dir);
  // Stones build side by side, so each says when it is done: a first build's time has names.
  progress(`built ${what} (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  return { stone: final.stones()[0], repo: final, key, built: true };
}

/**
 * Renames a finished `work` dir to `dir` without ever removing a complete one
 * (`marker` present): other processes may be reading it. A complete `dir` from a
 * concurrent build wins and `work` is dropped; an incomplete leftover is moved aside.
 */
export function publishDir(work: string, dir: string, marker: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      renameSync(work, dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      if (existsSync(join(dir, marker))) {
        rmSync(work, { recursive: true, force: true });
        return;
      }
      const aside = `${dir}.stale-${process.pid}-${attempt}`;
      renameSync(dir, aside);
      rmSync(aside, { recursive: true, force: true });
    }
  }
  throw new Error(`cannot publish ${work} as ${dir}`);
}
