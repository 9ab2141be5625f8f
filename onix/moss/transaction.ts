// Filesystem transactions: build a new /usr in /.moss/root/staging/usr from
// hard links into the content store, swap it with the live /usr by
// renameat2(RENAME_EXCHANGE), archive the old tree at /.moss/root/<old>/usr.
// Activating an archived state is the same swap in the other direction.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { syncBootEntries } from './boot.ts';
import { openMossDb, type MossDb } from './db.ts';
import { MossError } from './errors.ts';
import { exchange } from './exchange.ts';
import { archivedUsr, assetPath, mossPaths, type MossPaths } from './paths.ts';
import type { StoneRepository } from './repository.ts';
import { activeStateId, listStates, readStateId, requireState, type Selection } from './state.ts';
import { linkOrCopy } from './store.ts';
import type { Stone } from './stone.ts';

/** Root-level links into /usr (usr-merge). */
export const ROOT_LINKS: Record<string, string> = { bin: 'usr/bin', sbin: 'usr/sbin', lib: 'usr/lib', lib64: 'usr/lib64' };

/** Makes a root moss-managed: /.moss/{db,cache,assets,repo,root/staging}, the databases, root links. */
export function initRoot(root: string): MossPaths {
  const p = mossPaths(root);
  for (const d of [p.assets, p.cache, p.repo, p.staging, join(p.moss, 'db')]) mkdirSync(d, { recursive: true });
  openMossDb(p, true).close();
  for (const [name, target] of Object.entries(ROOT_LINKS)) {
    const link = join(root, name);
    if (!existsSync(link) && !isSymlink(link)) symlinkSync(target, link);
  }
  return p;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Copies a stone into the root: its assets into the content store, its metadata and layout into the databases. */
export function ingestStone(p: MossPaths, db: MossDb, repo: StoneRepository, stone: Stone): void {
  const known = db.install.prepare('SELECT 1 FROM meta WHERE package = ?').get(stone.id);
  for (const e of stone.layout) {
    if (e.type !== 'regular') continue;
    const dest = assetPath(p, e.hash);
    if (!existsSync(dest)) {
      linkOrCopy(repo.assetPath(e.hash), dest);
      chmodSync(dest, e.mode & 0o7777);
    }
  }
  if (known) return;
  const m = stone.meta;
  const insertMeta = db.install.transaction(() => {
    db.install
      .prepare(
        `INSERT INTO meta (package, name, version_identifier, source_release, build_release, architecture, summary, description, source_id, homepage, uri, hash, download_size)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)`,
      )
      .run(stone.id, m.name, m.version, m.release, m.buildRelease ?? 1, m.architecture ?? 'x86_64', m.summary, m.description ?? m.summary, m.sourceId ?? m.name, m.homepage ?? '');
    for (const l of m.licenses ?? []) db.install.prepare('INSERT OR IGNORE INTO meta_licenses VALUES (?, ?)').run(stone.id, l);
    for (const d of m.dependencies ?? []) db.install.prepare('INSERT OR IGNORE INTO meta_dependencies VALUES (?, ?)').run(stone.id, `name(${d})`);
    for (const pr of m.providers ?? [`name(${m.name})`]) db.install.prepare('INSERT OR IGNORE INTO meta_providers VALUES (?, ?)').run(stone.id, pr);
  });
  insertMeta();
  const insertLayout = db.layout.prepare(
    'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
  );
  db.layout.transaction(() => {
    for (const e of stone.layout) {
      const v1 = e.type === 'regular' ? e.hash : e.type === 'symlink' ? e.target : null;
      insertLayout.run(stone.id, e.uid ?? 0, e.gid ?? 0, e.mode ?? 0o120777, e.type, v1, e.path);
    }
  })();
}

interface LayoutRow {
  package_id: string;
  mode: number;
  uid: number;
  gid: number;
  entry_type: 'regular' | 'symlink' | 'directory';
  entry_value1: string | null;
  entry_value2: string;
}

/** Builds /.moss/root/staging/usr for a set of packages and stamps it with the state id. */
function buildStaging(p: MossPaths, db: MossDb, packageIds: string[], id: number): void {
  rmSync(p.stagingUsr, { recursive: true, force: true });
  mkdirSync(p.stagingUsr, { recursive: true });
  const rows: LayoutRow[] = [];
  const q = db.layout.prepare('SELECT package_id, mode, uid, gid, entry_type, entry_value1, entry_value2 FROM layout WHERE package_id = ?');
  for (const pkg of [...packageIds].sort()) {
    const r = q.all(pkg) as LayoutRow[];
    if (r.length === 0 && !db.install.prepare('SELECT 1 FROM meta WHERE package = ?').get(pkg)) throw new MossError(`unknown package ${pkg}`);
    rows.push(...r);
  }
  const owner = new Map<string, LayoutRow>();
  const dirs = rows.filter((r) => r.entry_type === 'directory').sort((a, b) => a.entry_value2.localeCompare(b.entry_value2));
  for (const d of dirs) mkdirSync(join(p.stagingUsr, d.entry_value2), { recursive: true });
  for (const r of rows) {
    if (r.entry_type === 'directory') continue;
    const prev = owner.get(r.entry_value2);
    if (prev) {
      if (prev.entry_type === r.entry_type && prev.entry_value1 === r.entry_value1) continue;
      throw new MossError(`file conflict: /usr/${r.entry_value2} is in ${prev.package_id} and ${r.package_id}`);
    }
    owner.set(r.entry_value2, r);
    const dest = join(p.stagingUsr, r.entry_value2);
    mkdirSync(dirname(dest), { recursive: true });
    if (r.entry_type === 'symlink') symlinkSync(r.entry_value1!, dest);
    else {
      const asset = assetPath(p, r.entry_value1!);
      if ((statSync(asset).mode & 0o7777) === (r.mode & 0o7777)) linkOrCopy(asset, dest);
      else {
        // Same content, different mode: a private copy keeps the shared inode's mode intact.
        copyFileSync(asset, dest);
        chmodSync(dest, r.mode & 0o7777);
      }
    }
  }
  for (const d of dirs) chmodSync(join(p.stagingUsr, d.entry_value2), d.mode & 0o7777);
  writeFileSync(join(p.stagingUsr, '.stateID'), String(id));
}

/**
 * Puts the staged tree in place: exchanged with the live /usr (archived under its id),
 * or simply moved there on a fresh root.
 */
function swapStagingIn(p: MossPaths): void {
  if (!existsSync(p.usr)) {
    renameSync(p.stagingUsr, p.usr);
    return;
  }
  const old = activeStateId(p);
  if (old === undefined) throw new MossError(`${p.usr} has no .stateID: not a moss-managed /usr`);
  const archive = archivedUsr(p, old);
  if (existsSync(archive)) throw new MossError(`archive for state ${old} already exists: ${archive}`);
  exchange(p.stagingUsr, p.usr);
  mkdirSync(dirname(archive), { recursive: true });
  renameSync(p.stagingUsr, archive);
}

/** States that still have a tree (active or archived), oldest first. */
export function statesWithTrees(p: MossPaths, db: MossDb): number[] {
  const active = activeStateId(p);
  return listStates(db)
    .map((s) => s.id)
    .filter((id) => id === active || existsSync(archivedUsr(p, id)));
}

/**
 * Puts archives back under the id they carry (an interrupted activate can leave a
 * tree under the wrong number) and clears a stale staging tree.
 */
export function repairRoot(p: MossPaths): void {
  rmSync(p.stagingUsr, { recursive: true, force: true });
  if (!existsSync(p.roots)) return;
  for (const name of readdirSync(p.roots)) {
    if (!/^\d+$/.test(name)) continue;
    const usr = join(p.roots, name, 'usr');
    const id = readStateId(join(usr, '.stateID'));
    if (id === undefined || String(id) === name) continue;
    const right = archivedUsr(p, id);
    if (existsSync(right) || id === activeStateId(p)) continue;
    mkdirSync(dirname(right), { recursive: true });
    renameSync(usr, right);
    try {
      rmdirSync(join(p.roots, name));
    } catch {
      /* not empty: leave it */
    }
  }
}

export interface NewStateOptions {
  /** moss's state type (default: "Transaction"). */
  type?: string;
  /** Shown by `moss state list` after the id, e.g. "Sync", "Install" (default: "system transaction"). */
  summary?: string;
  description?: string;
  /** Unix seconds; tests use it for a deterministic order (default: now). */
  created?: number;
}

/**
 * Records a new state with these selections (packages already ingested), builds its /usr,
 * swaps it in, archives the previous one and rewrites the boot entries. Returns the new id.
 */
export function commitState(root: string, selections: Selection[], options: NewStateOptions = {}): number {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    repairRoot(p);
    const insert = db.state.transaction(() => {
      const info = db.state
        .prepare(`INSERT INTO state (type, created, summary, description) VALUES (?, COALESCE(?, unixepoch()), ?, ?)`)
        .run(options.type ?? 'Transaction', options.created ?? null, options.summary ?? null, options.description ?? null);
      const id = Number(info.lastInsertRowid);
      const sel = db.state.prepare('INSERT INTO state_selections (state_id, package_id, explicit, reason) VALUES (?, ?, ?, ?)');
      for (const s of selections) sel.run(id, s.packageId, s.explicit ? 1 : 0, s.reason);
      return id;
    });
    const id = insert();
    try {
      buildStaging(p, db, selections.map((s) => s.packageId), id);
      swapStagingIn(p);
    } catch (e) {
      rmSync(p.stagingUsr, { recursive: true, force: true });
      db.state.prepare('DELETE FROM state WHERE id = ?').run(id);
      throw e;
    }
    syncBootEntries(p, statesWithTrees(p, db), id);
    return id;
  } finally {
    db.close();
  }
}

/**
 * Fault injection for crash tests (added by H-content): with MOSS_PAUSE_AT=<point>:<file>,
 * moss flushes the filesystems at <point>, creates <file> and waits there forever, so a test
 * can hard-reset the machine in the middle of a transaction. Without the variable: nothing.
 */
function faultPoint(point: string): void {
  const spec = process.env.MOSS_PAUSE_AT;
  if (!spec || !spec.startsWith(`${point}:`)) return;
  execFileSync('sync');
  writeFileSync(spec.slice(point.length + 1), `${point}\n`);
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_600_000);
}

/** Makes an archived state the live /usr; the previous one is archived. Returns both ids. */
export function activateState(root: string, id: number): { activated: number; archived: number } {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    repairRoot(p);
    requireState(db, id);
    const old = activeStateId(p);
    if (old === id) throw new MossError(`state ${id} is already active`);
    if (old === undefined) throw new MossError(`${p.usr} has no .stateID: not a moss-managed /usr`);
    const source = archivedUsr(p, id);
    if (!existsSync(source)) throw new MossError(`state ${id} has no archived tree (${source})`);
    const archive = archivedUsr(p, old);
    if (existsSync(archive)) throw new MossError(`archive for state ${old} already exists: ${archive}`);
    exchange(source, p.usr);
    faultPoint('activate:after-exchange');
    mkdirSync(dirname(archive), { recursive: true });
    renameSync(source, archive);
    rmdirSync(dirname(source));
    faultPoint('activate:before-boot-entries');
    syncBootEntries(p, statesWithTrees(p, db), id);
    return { activated: id, archived: old };
  } finally {
    db.close();
  }
}
