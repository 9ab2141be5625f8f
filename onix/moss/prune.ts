// `moss state prune` and `moss state remove`, as os-tools moss/src/client/prune.rs does them:
// prune picks states older than the active one (any but the active with include-newer),
// keeps the `keep - 1` most recent of them and removes the rest; remove takes ids.
// Then: packages no remaining state selects leave db/install and db/layout, assets no
// remaining layout row references leave /.moss/assets/v2, archived trees are deleted
// and the boot entries are synchronised.
import { existsSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { syncBootEntries } from './boot.ts';
import { openMossDb } from './db.ts';
import { MossError } from './errors.ts';
import { mossPaths } from './paths.ts';
import { activeStateId, listStates, type MossState } from './state.ts';
import { assetName } from './xxh3.ts';

/** Which states to remove (prune.rs `Strategy`). */
export type PruneStrategy =
  /** Keep the most recent `keep` states counting the active one; newer than active only with includeNewer. */
  | { keepRecent: number; includeNewer?: boolean }
  /** Exactly these ids (those that exist). */
  | { remove: number[] };

/** The states the strategy would remove (oldest first), without changing anything. */
export function planPrune(root: string, strategy: PruneStrategy): MossState[] {
  const p = mossPaths(root);
  const active = activeStateId(p);
  if (active === undefined) throw new MossError('no active state found');
  const db = openMossDb(p);
  try {
    const states = listStates(db);
    if (!states.some((s) => s.id === active)) throw new MossError(`no such state: ${active}`);
    if ('remove' in strategy) {
      const doomed = states.filter((s) => strategy.remove.includes(s.id));
      if (doomed.some((s) => s.id === active)) throw new MossError('cannot prune the currently active state');
      return doomed;
    }
    const { keepRecent: keep, includeNewer = false } = strategy;
    if (!Number.isInteger(keep) || keep < 1) throw new MossError(`keep must be a whole number of at least 1 (got ${keep})`);
    const candidates = states.filter((s) => (includeNewer ? s.id !== active : s.id < active));
    const numToRemove = Math.max(0, candidates.length - (keep - 1));
    return [...candidates]
      .sort((a, b) => a.created - b.created)
      .slice(0, numToRemove)
      .sort((a, b) => a.id - b.id);
  } finally {
    db.close();
  }
}

export interface PruneResult {
  removed: number[];
  packagesRemoved: number;
  assetsRemoved: number;
  /** Archived state directories deleted (`/.moss/root/<id>`). */
  archives: string[];
}

/** Removes these states (ids from planPrune) and garbage-collects packages, assets and archives. */
export function applyPrune(root: string, ids: number[]): PruneResult {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    const active = activeStateId(p);
    if (ids.includes(active ?? -1)) throw new MossError('cannot prune the currently active state');
    // Packages whose count over all states drops to zero (prune.rs `packages_counts`).
    const counts = new Map<string, number>();
    for (const s of listStates(db)) for (const sel of s.selections) counts.set(sel.packageId, (counts.get(sel.packageId) ?? 0) + (ids.includes(s.id) ? 0 : 1));
    const orphans = [...counts].filter(([, n]) => n === 0).map(([pkg]) => pkg);
    db.state.transaction(() => {
      for (const id of ids) db.state.prepare('DELETE FROM state WHERE id = ?').run(id);
    })();
    db.install.transaction(() => {
      for (const pkg of orphans) db.install.prepare('DELETE FROM meta WHERE package = ?').run(pkg);
    })();
    db.layout.transaction(() => {
      for (const pkg of orphans) db.layout.prepare('DELETE FROM layout WHERE package_id = ?').run(pkg);
    })();
    // Downloads whose name (sha256) no remaining package's hash is (prune.rs:176-183, install_db `file_hashes`).
    const keepDownloads = new Set((db.install.prepare('SELECT hash AS h FROM meta WHERE hash IS NOT NULL').all() as { h: string }[]).map((r) => r.h));
    removeOrphanedFiles(p.downloads, keepDownloads);
    // Assets whose hex name no layout row's hash gives (layout/mod.rs `file_hashes`).
    const keep = new Set(
      (db.layout.prepare("SELECT DISTINCT entry_value1 AS h FROM layout WHERE entry_type = 'regular'").all() as { h: string }[]).map((r) => assetName(r.h)),
    );
    const assetsRemoved = removeOrphanedFiles(p.assets, keep);
    const archives: string[] = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const dir = join(p.roots, String(id));
      if (existsSync(dir)) archives.push(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    syncBootEntries(p, db, active);
    return { removed: ids, packagesRemoved: orphans.length, assetsRemoved, archives };
  } finally {
    db.close();
  }
}

/** Deletes every file under `dir` whose name is not in `keep`, and directories left empty. */
function removeOrphanedFiles(dir: string, keep: Set<string>): number {
  if (!existsSync(dir)) return 0;
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      removed += removeOrphanedFiles(full, keep);
      if (readdirSync(full).length === 0) rmdirSync(full);
    } else if (!keep.has(name)) {
      rmSync(full, { force: true });
      removed++;
    }
  }
  return removed;
}
