// Fetching a stone into the root's download cache, as os-tools moss/src/client/cache.rs
// does: the file goes to /.moss/cache/downloads/v1/<sha256[..5]>/<sha256[-5..]>/<sha256>
// (`download_path`) and stays there; a file already there is used when its sha256 matches
// and fetched again when it does not (`fetch`). The stand-in's repositories are local
// directories, so fetching is a copy from beside the index.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MossError } from './errors.ts';
import type { MossPaths } from './paths.ts';
import { copyVerified, sha256File } from '../file-hash.ts';
import type { StoneRepository } from './repository.ts';
import type { Stone } from './stone.ts';

/** client/cache.rs `download_path`. */
export function downloadPath(p: MossPaths, hash: string): string {
  if (hash.length < 5) throw new MossError(`malformed stone hash: ${hash}`);
  return join(p.downloads, hash.slice(0, 5), hash.slice(-5), hash);
}

/** Puts a stone's file in the download cache (or finds it there); returns its path. */
export function fetchStone(p: MossPaths, repo: StoneRepository, stone: Stone): { path: string; wasCached: boolean } {
  const source = repo.stoneFile(stone);
  const hash = stone.hash!;
  const dest = downloadPath(p, hash);
  if (existsSync(dest) && sha256File(dest) === hash) return { path: dest, wasCached: true };
  if (!existsSync(source)) throw new MossError(`cannot fetch ${stone.id}: ${source} does not exist`);
  const actual = copyVerified(source, dest, hash);
  if (actual !== null) throw new MossError(`cannot fetch ${stone.id}: ${source} has sha256 ${actual}, the index says ${hash}`);
  return { path: dest, wasCached: false };
}
