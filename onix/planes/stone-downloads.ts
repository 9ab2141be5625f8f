// The stones a root's states use and where moss keeps each one's file: read from moss's
// databases (db/state `state_selections`, db/install `meta` with its uri, sha256 hash and
// download size) and its download cache, /.moss/cache/downloads/v1/<sha256[..5]>/<sha256[-5..]>/<sha256>
// (os-tools moss/src/client/cache.rs `download_path`; downloads are kept after unpacking).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MOSS_DB } from '../moss/schema.ts';
import { EXIT, OnixError } from '../cli/errors.ts';
import { openMossDb } from './machine.ts';
import { hostPath } from './root-path.ts';

export interface UsedStone {
  packageId: string;
  name: string;
  version: string;
  release: number;
  /** The stone file's URI: as the index lists it (relative to the index), or resolved against the index's URI. */
  uri: string | null;
  /** sha256 of the stone file, hex. */
  hash: string | null;
  size: number | null;
  /** The states that select it, ascending. */
  states: number[];
  /** Host path of its file in moss's download cache, or null when it is not there. */
  download: string | null;
}

/** moss's download cache path of a stone file by its sha256 (machine path). */
export function downloadMachinePath(hash: string): string {
  return `/.moss/cache/downloads/v1/${hash.slice(0, 5)}/${hash.slice(-5)}/${hash}`;
}

/** Every stone a recorded state (active or archived) selects, by package id. */
export function readUsedStones(root: string): UsedStone[] {
  const db = openMossDb(root, 'state');
  try {
    db.prepare('ATTACH DATABASE ? AS install').run(hostPath(root, `/${MOSS_DB.install}`));
    const rows = db
      .prepare(
        `SELECT s.package_id AS packageId, group_concat(s.state_id) AS states, m.name, m.version_identifier AS version,
                m.source_release AS release, m.uri, m.hash, m.download_size AS size
         FROM state_selections s LEFT JOIN install.meta m ON m.package = s.package_id
         GROUP BY s.package_id ORDER BY s.package_id`,
      )
      .all() as (Omit<UsedStone, 'states' | 'download'> & { states: string })[];
    return rows.map((r) => {
      const download = r.hash && /^[0-9a-f]{64}$/.test(r.hash) ? hostPath(root, downloadMachinePath(r.hash)) : null;
      return {
        ...r,
        name: r.name ?? r.packageId,
        states: r.states
          .split(',')
          .map(Number)
          .sort((a, b) => a - b),
        download: download && existsSync(download) ? download : null,
      };
    });
  } catch (error) {
    if (error instanceof OnixError) throw error;
    throw new OnixError(`cannot read moss's databases under ${root}: ${(error as Error).message.split('\n')[0]}`, EXIT.root);
  } finally {
    db.close();
  }
}

export interface RepositoryIndex {
  /** Host path of moss's copy of the index, /.moss/repo/<dir>/stone.index. */
  file: string;
  /** Where the index came from: `index-uri` beside it when moss wrote one, else the copy's own location on the machine. */
  uri: string;
}

/** The repository indexes moss keeps. */
export function readRepositoryIndexes(root: string): RepositoryIndex[] {
  const dir = hostPath(root, '/.moss/repo');
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names
    .filter((n) => existsSync(`${dir}/${n}/stone.index`))
    .map((n) => {
      const uriFile = `${dir}/${n}/index-uri`;
      const uri = existsSync(uriFile) ? readFileSync(uriFile, 'utf8').trim() : pathToFileURL(`/.moss/repo/${n}/stone.index`).href;
      return { file: `${dir}/${n}/stone.index`, uri };
    });
}
