// Filesystem transactions, as os-tools moss/src/client/mod.rs runs them: build a new
// /usr in /.moss/root/staging/usr from hard links into the content store, swap it with
// the live /usr by renameat2(RENAME_EXCHANGE) (`promote_staging`), then move what is now
// staging/usr to /.moss/root/<old>/usr (`archive_state`). Activating an archived state
// first renames /.moss/root/<id> to /.moss/root/staging, then does the same two steps.
// Every operation holds the lock on /.moss/.moss-lockfile (installation.rs).
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hardlinkMode } from './blit-mode.ts';
import { dirname, join } from 'node:path';
import { fetchStone } from './fetch.ts';
import { unpackStoneFile } from './stone-file.ts';
import { syncBootEntries } from './boot.ts';
import { runTriggers } from './triggers.ts';
import { openMossDb, type MossDb } from './db.ts';
import { MossError } from './errors.ts';
import { acquireLock, exchange } from './exchange.ts';
import { archivedUsr, assetPath, mossPaths, type MossPaths } from './paths.ts';
import type { StoneRepository } from './repository.ts';
import { STATE_KIND } from './schema.ts';
import { activeStateId, getState, type Selection } from './state.ts';
import { linkOrCopy } from './store.ts';
import type { Stone } from './stone.ts';

/** Root-level links into /usr, relative (mod.rs `create_root_links`). */
export const ROOT_LINKS: Record<string, string> = { sbin: 'usr/sbin', bin: 'usr/bin', lib: 'usr/lib', lib64: 'usr/lib', lib32: 'usr/lib32' };

/**
 * mod.rs `create_root_links`: each link is made as `<name>.next` and renamed over
 * `<name>`, unless it already points where it should.
 */
export function createRootLinks(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(ROOT_LINKS)) {
    const link = join(dir, name);
    if (isSymlink(link) && readlinkSync(link) === target) continue;
    const next = `${link}.next`;
    rmSync(next, { force: true });
    symlinkSync(target, next);
    renameSync(next, link);
  }
}

/** Makes a root moss-managed: /.moss/{db,cache,assets/v2,repo,root/{staging,isolation}}, the databases, root links. */
export function initRoot(root: string): MossPaths {
  const p = mossPaths(root);
  for (const d of [p.assets, p.cache, p.repo, p.staging, p.isolation, join(p.moss, 'db')]) mkdirSync(d, { recursive: true });
  openMossDb(p, true).close();
  createRootLinks(root);
  return p;
}

/** Runs `fn` holding moss's lock on the root (installation.rs `acquire_locks`). */
export function withRootLock<T>(p: MossPaths, fn: () => T): T {
  mkdirSync(p.moss, { recursive: true });
  const release = acquireLock(p.lockfile);
  try {
    return fn();
  } finally {
    release();
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Brings a stone into the root (client/mod.rs `cache_packages`): its file into the download
 * cache, its content unpacked into the content store, its metadata and layout into the databases.
 */
export function ingestStone(p: MossPaths, db: MossDb, repo: StoneRepository, stone: Stone): void {
  const known = db.install.prepare('SELECT 1 FROM meta WHERE package = ?').get(stone.id);
  const download = fetchStone(p, repo, stone);
  // The layout comes from the downloaded stone, the metadata from the index (client/mod.rs
  // `cache_packages` adds each unpacked stone's layout payload to the layout db).
  const { layout } = unpackStoneFile(download.path, (h) => assetPath(p, h));
  if (known) return;
  const m = stone.meta;
  const insertMeta = db.install.transaction(() => {
    db.install
      .prepare(
        `INSERT INTO meta (package, name, version_identifier, source_release, build_release, architecture, summary, description, source_id, homepage, uri, hash, download_size)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        stone.id,
        m.name,
        m.version,
        m.release,
        m.buildRelease ?? 1,
        m.architecture ?? 'x86_64',
        m.summary,
        m.description ?? m.summary,
        m.sourceId ?? m.name,
        m.homepage ?? '',
        stone.uri,
        stone.hash,
        stone.size ?? null,
      );
    for (const l of m.licenses ?? []) db.install.prepare('INSERT OR IGNORE INTO meta_licenses VALUES (?, ?)').run(stone.id, l);
    for (const d of m.dependencies ?? [])
      db.install.prepare('INSERT OR IGNORE INTO meta_dependencies VALUES (?, ?)').run(stone.id, d.includes('(') ? d : `name(${d})`);
    for (const pr of m.providers ?? [`name(${m.name})`]) db.install.prepare('INSERT OR IGNORE INTO meta_providers VALUES (?, ?)').run(stone.id, pr);
    for (const c of m.conflicts ?? []) db.install.prepare('INSERT OR IGNORE INTO meta_conflicts VALUES (?, ?)').run(stone.id, c);
  });
  insertMeta();
  const insertLayout = db.layout.prepare(
    'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
  );
  db.layout.transaction(() => {
    for (const e of layout) {
      // moss/src/db/layout/types.rs encode_file: a directory's path is value1, value2 NULL.
      const [v1, v2] = e.type === 'regular' ? [e.hash, e.path] : e.type === 'symlink' ? [e.target, e.path] : [e.path, null];
      insertLayout.run(stone.id, e.uid ?? 0, e.gid ?? 0, e.mode ?? 0o120777, e.type, v1, v2);
    }
  })();
}

interface LayoutRow {
  package_id: string;
  mode: number;
  uid: number;
  gid: number;
  entry_type: 'regular' | 'symlink' | 'directory';
  entry_value1: string;
  entry_value2: string | null;
}

/** The /usr-relative path a layout row places (a directory's is value1). */
function rowPath(r: LayoutRow): string {
  return r.entry_type === 'directory' ? r.entry_value1 : r.entry_value2!;
}

/** Builds /.moss/root/staging/usr for a set of packages (native.rs `blit_root` empties staging first). */
function buildStaging(p: MossPaths, db: MossDb, packageIds: string[]): void {
  rmSync(p.staging, { recursive: true, force: true });
  mkdirSync(p.stagingUsr, { recursive: true });
  const rows: LayoutRow[] = [];
  const q = db.layout.prepare('SELECT package_id, mode, uid, gid, entry_type, entry_value1, entry_value2 FROM layout WHERE package_id = ?');
  for (const pkg of [...packageIds].sort()) {
    const r = q.all(pkg) as LayoutRow[];
    if (r.length === 0 && !db.install.prepare('SELECT 1 FROM meta WHERE package = ?').get(pkg)) throw new MossError(`unknown package ${pkg}`);
    rows.push(...r);
  }
  const owner = new Map<string, LayoutRow>();
  const dirs = rows.filter((r) => r.entry_type === 'directory').sort((a, b) => rowPath(a).localeCompare(rowPath(b)));
  for (const d of dirs) mkdirSync(join(p.stagingUsr, rowPath(d)), { recursive: true });
  for (const r of rows) {
    if (r.entry_type === 'directory') continue;
    const path = rowPath(r);
    const prev = owner.get(path);
    if (prev) {
      if (prev.entry_type === r.entry_type && prev.entry_value1 === r.entry_value1) continue;
      throw new MossError(`file conflict: /usr/${path} is in ${prev.package_id} and ${r.package_id}`);
    }
    owner.set(path, r);
    const dest = join(p.stagingUsr, path);
    mkdirSync(dirname(dest), { recursive: true });
    if (r.entry_type === 'symlink') symlinkSync(r.entry_value1, dest);
    else {
      // moss's hardlink blit (blit-mode.ts): the shared asset takes the union of the modes.
      const asset = assetPath(p, r.entry_value1);
      const existing = statSync(asset).mode & 0o7777;
      const desired = hardlinkMode(existing, r.mode);
      if (existing !== desired) chmodSync(asset, desired);
      linkOrCopy(asset, dest);
    }
  }
  for (const d of dirs) chmodSync(join(p.stagingUsr, rowPath(d)), d.mode & 0o7777);
}

/** mod.rs `promote_staging`: swap staging/usr with /usr (created empty first on a fresh root). */
function promoteStaging(p: MossPaths): void {
  mkdirSync(p.usr, { recursive: true });
  exchange(p.stagingUsr, p.usr);
}

/** mod.rs `archive_state`: after the swap the old /usr is staging/usr; it becomes /.moss/root/<id>/usr. */
function archiveState(p: MossPaths, id: number): void {
  const target = archivedUsr(p, id);
  mkdirSync(dirname(target), { recursive: true });
  renameSync(p.stagingUsr, target);
}

export interface NewStateOptions {
  /** Shown by `moss state list` after the id, e.g. "Sync", "Install" (default: "system transaction"). */
  summary?: string;
  description?: string;
  /** Unix seconds; tests use it for a deterministic order (default: now). */
  created?: number;
}

/**
 * Records a new state with these selections (packages already ingested), builds its /usr,
 * swaps it in, archives the previous one and rewrites the boot entries (mod.rs `new_state`,
 * `apply_stateful_blit`). Returns the new id.
 */
export function commitState(root: string, selections: Selection[], options: NewStateOptions = {}): number {
  const p = mossPaths(root);
  return withRootLock(p, () => {
    const db = openMossDb(p);
    try {
      const old = activeStateId(p);
      // Not upstream (which would swap such a /usr into staging and archive nothing): the
      // stand-in refuses to take over a populated /usr that no state describes.
      if (old === undefined && readdirSyncSafe(p.usr).length > 0) throw new MossError(`${p.usr} has no .stateID: not a moss-managed /usr`);
      buildStaging(
        p,
        db,
        selections.map((s) => s.packageId),
      );
      const id = db.state.transaction(() => {
        const info = db.state
          .prepare(`INSERT INTO state (type, created, summary, description) VALUES (?, COALESCE(?, unixepoch()), ?, ?)`)
          .run(STATE_KIND, options.created ?? null, options.summary ?? null, options.description ?? null);
        const newId = Number(info.lastInsertRowid);
        const sel = db.state.prepare('INSERT INTO state_selections (state_id, package_id, explicit, reason) VALUES (?, ?, ?, ?)');
        for (const s of selections) sel.run(newId, s.packageId, s.explicit ? 1 : 0, s.reason);
        return newId;
      })();
      writeFileSync(p.stagingStateId, String(id));
      createRootLinks(p.isolation);
      mkdirSync(join(root, 'etc'), { recursive: true });
      mkdirSync(join(p.isolation, 'etc'), { recursive: true });
      runTriggers('transaction', p);
      promoteStaging(p);
      createRootLinks(root);
      if (old !== undefined) archiveState(p, old);
      runTriggers('system', p);
      syncBootEntries(p, db, id);
      return id;
    } finally {
      db.close();
    }
  });
}

function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Fault injection for crash tests (not upstream): with MOSS_PAUSE_AT=<point>:<file>,
 * moss flushes the filesystems at <point>, creates <file> and waits there forever, so a test
 * can hard-reset the machine in the middle of a transaction. Without the variable: nothing.
 */
function faultPoint(point: string): void {
  const spec = process.env.MOSS_PAUSE_AT;
  if (!spec?.startsWith(`${point}:`)) return;
  execFileSync('sync');
  writeFileSync(spec.slice(point.length + 1), `${point}\n`);
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_600_000);
}

export interface ActivateOptions {
  /** Do not run system triggers after the swap (default: false). */
  skipTriggers?: boolean;
  /** Do not rewrite the boot entries (default: false). */
  skipBoot?: boolean;
}

/**
 * mod.rs `activate_state`: /.moss/root/<id> -> /.moss/root/staging, swap staging/usr with
 * /usr, archive the old tree at /.moss/root/<old>/usr, run system triggers, sync boot.
 */
export function activateState(root: string, id: number, options: ActivateOptions = {}): { activated: number; archived: number } {
  const p = mossPaths(root);
  return withRootLock(p, () => {
    const db = openMossDb(p);
    try {
      if (!getState(db, id)) throw new MossError(`State ${id} does not exist`);
      const old = activeStateId(p);
      if (old === undefined) throw new MossError('no active state found');
      if (old === id) throw new MossError(`State ${id} is already active`);
      // Upstream creates staging when missing and renames the archive onto it (an empty dir is replaced).
      mkdirSync(p.staging, { recursive: true });
      renameSync(join(p.roots, String(id)), p.staging);
      faultPoint('activate:before-exchange');
      promoteStaging(p);
      faultPoint('activate:after-exchange');
      archiveState(p, old);
      if (!options.skipTriggers) runTriggers('system', p);
      faultPoint('activate:before-boot-entries');
      if (!options.skipBoot) syncBootEntries(p, db, id);
      return { activated: id, archived: old };
    } finally {
      db.close();
    }
  });
}
