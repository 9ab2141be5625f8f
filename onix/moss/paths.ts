// Where moss keeps things under a root (absolute paths for a given root).
import { join } from 'node:path';
import { MOSS_DB } from './schema.ts';

export interface MossPaths {
  root: string;
  usr: string;
  stateId: string;
  moss: string;
  db: { state: string; install: string; layout: string };
  assets: string;
  cache: string;
  repo: string;
  roots: string;
  staging: string;
  stagingUsr: string;
  boot: string;
  entries: string;
  loaderConf: string;
}

export function mossPaths(root: string): MossPaths {
  const moss = join(root, '.moss');
  return {
    root,
    usr: join(root, 'usr'),
    stateId: join(root, 'usr/.stateID'),
    moss,
    db: { state: join(root, MOSS_DB.state), install: join(root, MOSS_DB.install), layout: join(root, MOSS_DB.layout) },
    assets: join(moss, 'assets'),
    cache: join(moss, 'cache'),
    repo: join(moss, 'repo'),
    roots: join(moss, 'root'),
    staging: join(moss, 'root/staging'),
    stagingUsr: join(moss, 'root/staging/usr'),
    boot: join(root, 'boot'),
    entries: join(root, 'boot/loader/entries'),
    loaderConf: join(root, 'boot/loader/loader.conf'),
  };
}

/** Archived tree of a state: /.moss/root/<id>/usr. */
export function archivedUsr(p: MossPaths, id: number): string {
  return join(p.roots, String(id), 'usr');
}

/** Content-store path of an asset: /.moss/assets/<2 hex>/<2 hex>/<hash>. */
export function assetPath(p: MossPaths, hash: string): string {
  return join(p.assets, hash.slice(0, 2), hash.slice(2, 4), hash);
}
