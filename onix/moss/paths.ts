// Where moss keeps things under a root (absolute paths for a given root).
import { join } from 'node:path';
import { MOSS_DB } from './schema.ts';
import { assetRelPath } from './xxh3.ts';

export interface MossPaths {
  root: string;
  usr: string;
  stateId: string;
  moss: string;
  db: { state: string; install: string; layout: string };
  assets: string;
  cache: string;
  /** cache/downloads/v1: fetched stone files by sha256 (client/cache.rs `download_path`). */
  downloads: string;
  repo: string;
  roots: string;
  staging: string;
  isolation: string;
  lockfile: string;
  stagingUsr: string;
  stagingStateId: string;
  /**
   * The boot root: XBOOTLDR, mounted at `<root>/boot` (blsforme manager.rs:93-96), which
   * blsforme prefers to the ESP for entries, kernels and loader.conf (bootloader/systemd_boot/mod.rs:46-52).
   */
  boot: string;
  entries: string;
  loaderConf: string;
  /** The EFI system partition, mounted at `<root>/efi` (manager.rs:97-100): the boot loader only (mod.rs:70-102). */
  esp: string;
}

export function mossPaths(root: string): MossPaths {
  const moss = join(root, '.moss');
  return {
    root,
    usr: join(root, 'usr'),
    stateId: join(root, 'usr/.stateID'),
    moss,
    db: { state: join(root, MOSS_DB.state), install: join(root, MOSS_DB.install), layout: join(root, MOSS_DB.layout) },
    assets: join(moss, 'assets/v2'),
    cache: join(moss, 'cache'),
    downloads: join(moss, 'cache/downloads/v1'),
    repo: join(moss, 'repo'),
    roots: join(moss, 'root'),
    staging: join(moss, 'root/staging'),
    isolation: join(moss, 'root/isolation'),
    lockfile: join(moss, '.moss-lockfile'),
    stagingUsr: join(moss, 'root/staging/usr'),
    stagingStateId: join(moss, 'root/staging/usr/.stateID'),
    boot: join(root, 'boot'),
    entries: join(root, 'boot/loader/entries'),
    loaderConf: join(root, 'boot/loader/loader.conf'),
    esp: join(root, 'efi'),
  };
}

/** Archived tree of a state: /.moss/root/<id>/usr. */
export function archivedUsr(p: MossPaths, id: number): string {
  return join(p.roots, String(id), 'usr');
}

/** Content-store path of an asset by its decimal hash: /.moss/assets/v2/aa/bb/cc/<hex> (moss/src/client/cache.rs). */
export function assetPath(p: MossPaths, hash: string): string {
  return join(p.assets, assetRelPath(hash));
}
