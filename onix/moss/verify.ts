// `moss state verify`, as os-tools moss/src/client/verify.rs checks a root: every asset
// a layout row names exists in /.moss/assets/v2 and hashes to its name, then every path of
// every state exists in that state's tree (the active /usr or /.moss/root/<id>/usr) and
// each regular file there has its layout hash. Prints upstream's lines ("Verifying
// assets", "Verifying states", "No issues found" or "Found N issue(s)" and one " × <issue>"
// line each). Repairing (upstream re-fetches stones and re-blits states) is not part of the
// stand-in: with issues it stops there and the command fails.
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { MossDb } from './db.ts';
import { archivedUsr, assetPath, type MossPaths } from './paths.ts';
import { activeStateId, listStates } from './state.ts';
import { assetName, xxh3File } from './xxh3.ts';

interface Row {
  package_id: string;
  entry_type: string;
  entry_value1: string;
  entry_value2: string | null;
}

/** The issues verify.rs would report, in its wording (`Issue`'s Display). */
export function verifyRoot(p: MossPaths, db: MossDb): string[] {
  const issues: string[] = [];
  const rows = db.layout.prepare('SELECT package_id, entry_type, entry_value1, entry_value2 FROM layout').all() as Row[];
  const byHash = new Map<string, Set<string>>();
  for (const r of rows)
    if (r.entry_type === 'regular') (byHash.get(r.entry_value1) ?? byHash.set(r.entry_value1, new Set()).get(r.entry_value1)!).add(r.entry_value2!);
  for (const [hash, files] of [...byHash].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = assetPath(p, hash);
    // Rust's Debug of a BTreeSet<AStr>: {"a", "b"}.
    const shown = `${assetName(hash).padStart(32, '0')} - {${[...files]
      .sort()
      .map((f) => JSON.stringify(f))
      .join(', ')}}`;
    if (!existsSync(file)) issues.push(`Missing asset ${shown}`);
    else if (xxh3File(file) !== hash) issues.push(`Corrupt asset ${shown}`);
  }
  const active = activeStateId(p);
  const q = db.layout.prepare('SELECT package_id, entry_type, entry_value1, entry_value2 FROM layout WHERE package_id = ?');
  for (const state of listStates(db)) {
    const base = state.id === active ? p.usr : archivedUsr(p, state.id);
    for (const sel of state.selections)
      for (const r of q.all(sel.packageId) as Row[]) {
        const rel = r.entry_type === 'directory' ? r.entry_value1 : r.entry_value2!;
        const path = join(base, rel);
        let exists = true;
        try {
          lstatSync(path);
        } catch {
          exists = false;
        }
        if (!exists) issues.push(`Missing path ${path} in state #${state.id}`);
        else if (r.entry_type === 'regular' && xxh3File(path) !== r.entry_value1) issues.push(`Corrupt path ${path} in state #${state.id}`);
      }
  }
  return issues;
}
