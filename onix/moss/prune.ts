// `moss state prune`: keep the newest N states (never the active or the booted
// one), remove the rest with their archived trees and boot entries, then the
// packages no kept state selects and the assets no kept layout references.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { syncBootEntries } from './boot.ts';
import { openMossDb } from './db.ts';
import { MossError } from './errors.ts';
import { archivedUsr, mossPaths } from './paths.ts';
import { activeStateId, bootedStateId, listStates, type MossState } from './state.ts';
import { repairRoot, statesWithTrees } from './transaction.ts';

/** The states prune would remove (oldest first), without changing anything. */
export function planPrune(root: string, keep = 10): MossState[] {
  if (!Number.isInteger(keep) || keep < 1) throw new MossError(`keep must be a whole number of at least 1 (got ${keep})`);
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    const states = listStates(db);
    const protectedIds = new Set([activeStateId(p), bootedStateId(root)]);
    const newest = new Set(states.slice(Math.max(0, states.length - keep)).map((s) => s.id));
    return states.filter((s) => !newest.has(s.id) && !protectedIds.has(s.id));
  } finally {
    db.close();
  }
}

export interface PruneResult {
  removed: number[];
  packagesRemoved: number;
  assetsRemoved: number;
}

/** Removes these states (ids from planPrune) and garbage-collects packages and assets. */
export function applyPrune(root: string, ids: number[]): PruneResult {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    repairRoot(p);
    const active = activeStateId(p);
    if (ids.includes(active ?? -1)) throw new MossError(`refusing to prune the active state ${active}`);
    db.state.transaction(() => {
      for (const id of ids) db.state.prepare('DELETE FROM state WHERE id = ?').run(id);
    })();
    for (const id of ids) rmSync(join(p.roots, String(id)), { recursive: true, force: true });
    // Packages no remaining state selects.
    const kept = new Set((db.state.prepare('SELECT DISTINCT package_id FROM state_selections').all() as { package_id: string }[]).map((r) => r.package_id));
    const installed = (db.install.prepare('SELECT package FROM meta').all() as { package: string }[]).map((r) => r.package);
    const orphans = installed.filter((pkg) => !kept.has(pkg));
    db.install.transaction(() => {
      for (const pkg of orphans) db.install.prepare('DELETE FROM meta WHERE package = ?').run(pkg);
    })();
    db.layout.transaction(() => {
      for (const pkg of orphans) db.layout.prepare('DELETE FROM layout WHERE package_id = ?').run(pkg);
    })();
    // Assets no remaining layout references.
    const hashes = new Set(
      (db.layout.prepare("SELECT DISTINCT entry_value1 FROM layout WHERE entry_type = 'regular'").all() as { entry_value1: string }[]).map((r) => r.entry_value1),
    );
    let assetsRemoved = 0;
    if (existsSync(p.assets))
      for (const a of readdirSync(p.assets)) {
        const da = join(p.assets, a);
        for (const b of readdirSync(da)) {
          const db2 = join(da, b);
          for (const h of readdirSync(db2))
            if (!hashes.has(h)) {
              rmSync(join(db2, h), { force: true });
              assetsRemoved++;
            }
          if (readdirSync(db2).length === 0) rmdirSync(db2);
        }
        if (readdirSync(da).length === 0) rmdirSync(da);
      }
    syncBootEntries(p, statesWithTrees(p, db), active);
    return { removed: ids, packagesRemoved: orphans.length, assetsRemoved };
  } finally {
    db.close();
  }
}

export { archivedUsr };
