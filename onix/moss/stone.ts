// Stones: moss's packages. The stand-in keeps a stone as metadata plus a
// layout (the files it puts under /usr, with content hashes); contents live in
// a content-addressed assets directory (a repository's, then the root's store).

/** Metadata of a stone, as moss records it in /.moss/db/install (`meta`). */
export interface StoneMeta {
  name: string;
  /** Upstream version, e.g. "25.0.7". */
  version: string;
  /** Source release number; a higher one is newer (moss compares releases, not version strings). */
  release: number;
  /** Build release (default: 1). */
  buildRelease?: number;
  /** (default: "x86_64") */
  architecture?: string;
  summary: string;
  /** (default: summary) */
  description?: string;
  /** (default: "") */
  homepage?: string;
  /** (default: name) */
  sourceId?: string;
  /** (default: []) */
  licenses?: string[];
  /** Names of stones this one needs; `moss install` pulls them in (default: []). */
  dependencies?: string[];
  /** (default: [`name(<name>)`]) */
  providers?: string[];
  /** Providers this stone cannot be installed with, e.g. `name(mesa-amber)` (default: []). */
  conflicts?: string[];
}

/** One entry of a stone's layout; `path` is relative to /usr, as in moss. */
export type LayoutEntry =
  /** `hash`: XXH3-128 of the contents as a decimal u128, as db/layout stores it. */
  | { type: 'regular'; path: string; hash: string; mode: number; uid?: number; gid?: number }
  | { type: 'symlink'; path: string; target: string; mode?: number; uid?: number; gid?: number }
  | { type: 'directory'; path: string; mode: number; uid?: number; gid?: number };

export interface Stone {
  /** Package id as stored in moss's databases: the sha256 of the stone file, hex (repository/manager.rs:499-504). */
  id: string;
  meta: StoneMeta;
  layout: LayoutEntry[];
  /** The stone file, relative to the repository index (absent in a build cache's index). */
  uri?: string;
  /** sha256 of the stone file, hex. */
  hash?: string;
  /** Size of the stone file in bytes. */
  size?: number;
}

/** Is a newer than b (release, then build release)? */
export function isNewer(a: StoneMeta, b: StoneMeta): boolean {
  if (a.release !== b.release) return a.release > b.release;
  return (a.buildRelease ?? 1) > (b.buildRelease ?? 1);
}
