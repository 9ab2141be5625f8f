// `onix mirror DIR`: the stones every recorded state uses, copied from moss's download cache,
// and the repository index, so DIR is a repository moss can install those states from
// (`moss repo add NAME file://DIR/stone.index`). Each stone goes where the index's URI puts
// it, relative to DIR/stone.index; SHA256SUMS, written last, lists every file.
//
// An existing mirror is updated in place: a stone already there with the right sha256 is
// kept, one no state uses any more is removed. A non-empty DIR without SHA256SUMS is not
// a mirror and is refused before anything is written.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { EXIT, OnixError } from '../cli/errors.ts';
import { downloadMachinePath, readRepositoryIndexes, readUsedStones, type UsedStone } from '../planes/stone-downloads.ts';
import { formatManifest, MANIFEST, type ManifestLine, parseManifest } from './sha256sums.ts';
import { copyVerified, sha256File } from '../file-hash.ts';

export const INDEX = 'stone.index';

export interface MirrorResult {
  dir: string;
  stones: { packageId: string; path: string; size: number; copied: boolean }[];
  /** Bytes of stone files in the mirror. */
  bytes: number;
  /** Where the index came from (host path). */
  index: string;
  removed: string[];
}

/**
 * A stone's place in the mirror: its URI relative to the index, kept inside DIR. moss records
 * either the index's relative URI or (upstream, registry/plugin/repository.rs) the URI resolved
 * against the index's; a resolved one must lie under the index's directory.
 */
function mirrorPath(s: UsedStone, indexUri: string): string {
  let rel = s.uri ?? '';
  if (/^[a-z][a-z0-9+.-]*:/i.test(rel)) {
    const base = new URL('.', indexUri).href;
    rel = rel.startsWith(base) ? decodeURIComponent(rel.slice(base.length)) : '';
  }
  const path = normalize(rel);
  if (!rel || path.startsWith('/') || path === '..' || path.startsWith('../'))
    throw new OnixError(`${stoneLabel(s)}: its URI ${JSON.stringify(s.uri)} is not under the repository index's ${indexUri}: nothing written`, EXIT.failed);
  return path;
}

/** A package as a reader knows it: "mesa 25.0.7-2" (its moss id is a sha256), else its id. */
function stoneLabel(s: UsedStone): string {
  return s.version ? `${s.name} ${s.version}-${s.release}` : s.packageId;
}

function copyChecked(source: string, dest: string, hash: string, what: string): void {
  const actual = copyVerified(source, dest, hash);
  if (actual !== null) throw new OnixError(`${what}: ${source} has sha256 ${actual}, moss recorded ${hash}; nothing more copied`, EXIT.failed);
}

function previousManifest(dir: string): ManifestLine[] | null {
  const file = join(dir, MANIFEST);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new OnixError(`${dir} is not a directory: nothing written`, EXIT.refused);
  if (existsSync(file)) return parseManifest(readFileSync(file, 'utf8')).lines;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new OnixError(`${dir} is not empty and holds no ${MANIFEST}: not a mirror, nothing written`, EXIT.refused);
  return null;
}

export function writeMirror(root: string, dir: string): MirrorResult {
  const used = readUsedStones(root);
  if (used.length === 0) throw new OnixError(`no state under ${root} selects any stone: nothing to mirror`, EXIT.failed);
  const missing = used.filter((s) => !s.download);
  if (missing.length > 0) {
    const first = missing[0];
    const where = first.hash ? downloadMachinePath(first.hash) : 'no sha256 recorded in /.moss/db/install';
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw new OnixError(`no download of ${stoneLabel(first)} in moss's cache (${where})${more}: nothing written`, EXIT.failed);
  }
  const indexes = readRepositoryIndexes(root);
  if (indexes.length === 0) throw new OnixError(`no moss repository index under ${join(root, '.moss/repo')}: nothing written`, EXIT.failed);
  if (indexes.length > 1)
    throw new OnixError(`several repository indexes (${indexes.map((i) => i.file).join(', ')}): a mirror holds one; nothing written`, EXIT.failed);
  const placed = used.map((s) => ({ s, path: mirrorPath(s, indexes[0].uri) }));
  const old = previousManifest(dir);
  mkdirSync(dir, { recursive: true });

  const stones: MirrorResult['stones'] = [];
  for (const { s, path } of placed) {
    const dest = join(dir, path);
    const keep = existsSync(dest) && old?.some((l) => l.path === path && l.hash === s.hash) && sha256File(dest) === s.hash;
    if (!keep) copyChecked(s.download!, dest, s.hash!, stoneLabel(s));
    stones.push({ packageId: s.packageId, path, size: statSync(dest).size, copied: !keep });
  }
  const indexTmp = join(dir, `${INDEX}.tmp-${process.pid}`);
  copyFileSync(indexes[0].file, indexTmp);
  renameSync(indexTmp, join(dir, INDEX));

  const lines: ManifestLine[] = [...placed.map(({ s, path }) => ({ hash: s.hash!, path })), { hash: sha256File(join(dir, INDEX)), path: INDEX }];
  const keepPaths = new Set(lines.map((l) => l.path));
  const removed = (old ?? []).filter((l) => !keepPaths.has(l.path)).map((l) => l.path);
  for (const path of removed) rmSync(join(dir, path), { force: true });
  const manifestTmp = join(dir, `${MANIFEST}.tmp-${process.pid}`);
  writeFileSync(manifestTmp, formatManifest(lines));
  renameSync(manifestTmp, join(dir, MANIFEST));
  return { dir, stones, bytes: stones.reduce((n, s) => n + s.size, 0), index: indexes[0].file, removed };
}
