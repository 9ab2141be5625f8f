// `moss install` and `moss sync` from the local repositories under /.moss/repo/:
// work out the new selection, ingest the stones it needs, commit a state.
import { openMossDb } from './db.ts';
import { MossError } from './errors.ts';
import { mossPaths } from './paths.ts';
import { rootRepositories, type StoneRepository } from './repository.ts';
import { activeStateId, getState, type Selection } from './state.ts';
import { isNewer, type Stone } from './stone.ts';
import { commitState, ingestStone } from './transaction.ts';

export interface PlannedChange {
  name: string;
  /** The installed package id it replaces, if any. */
  from?: string;
  /** The installed version and release it replaces, if any. */
  fromVersion?: { version: string; release: number };
  to: string;
  stone: Stone;
  repo: StoneRepository;
}

export interface Installed {
  packageId: string;
  name: string;
  version: string;
  release: number;
  summary: string;
  explicit: boolean;
  reason: string | null;
}

/** The packages the active state selects, with their metadata from db/install, by name. */
export function installedPackages(root: string): Installed[] {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    const active = activeStateId(p);
    const state = active === undefined ? undefined : getState(db, active);
    if (!state) return [];
    return state.selections.map((s) => {
      const row = db.install
        .prepare('SELECT name, version_identifier AS version, source_release AS release, summary FROM meta WHERE package = ?')
        .get(s.packageId) as { name: string; version: string; release: number; summary: string } | undefined;
      return { ...s, name: row?.name ?? s.packageId, version: row?.version ?? '', release: row?.release ?? 0, summary: row?.summary ?? '' };
    });
  } finally {
    db.close();
  }
}

function newestInRepos(repos: StoneRepository[], name: string): { stone: Stone; repo: StoneRepository } | undefined {
  let best: { stone: Stone; repo: StoneRepository } | undefined;
  for (const repo of repos) {
    const s = repo.newest(name);
    if (s && (!best || isNewer(s.meta, best.stone.meta))) best = { stone: s, repo };
  }
  return best;
}

function versionOf(s: Stone): string {
  return `${s.meta.version}-${s.meta.release}`;
}

export interface PackagePlan {
  changes: PlannedChange[];
  /** Installed packages the new selection drops (sync only; default: none). */
  orphaned?: Installed[];
  selections: Selection[];
}

/** What `moss install NAME...` would do (adds names and their dependencies). */
export function planInstall(root: string, names: string[], repos = rootRepositories(mossPaths(root).repo)): PackagePlan {
  const installed = installedPackages(root);
  const byName = new Map(installed.map((i) => [i.name, i]));
  const changes: PlannedChange[] = [];
  const selections = new Map<string, Selection>(installed.map((i) => [i.name, { packageId: i.packageId, explicit: i.explicit, reason: i.reason }]));
  const visit = (name: string, explicit: boolean) => {
    const cur = byName.get(name);
    if (cur && !explicit) return;
    if (changes.some((c) => c.name === name)) return;
    const found = newestInRepos(repos, name);
    if (!found) throw new MossError(`no such package in the local repositories: ${name}`);
    if (cur && cur.packageId === found.stone.id) {
      if (explicit && !cur.explicit) selections.set(name, { packageId: cur.packageId, explicit: true, reason: null });
      return;
    }
    changes.push({ name, from: cur?.packageId, fromVersion: cur && { version: cur.version, release: cur.release }, to: versionOf(found.stone), ...found });
    selections.set(name, { packageId: found.stone.id, explicit: explicit || !!cur?.explicit, reason: explicit ? null : 'dependency' });
    for (const d of found.stone.meta.dependencies ?? []) visit(d, false);
  };
  for (const n of names) visit(n, true);
  return { changes, selections: [...selections.values()] };
}

/** What `moss sync` would do: every selected package to its newest stone. */
export function planSync(root: string, repos = rootRepositories(mossPaths(root).repo)): PackagePlan {
  const installed = installedPackages(root);
  const names = new Set(installed.map((i) => i.name));
  const changes: PlannedChange[] = [];
  const selections = new Map<string, Selection>(installed.map((i) => [i.name, { packageId: i.packageId, explicit: i.explicit, reason: i.reason }]));
  const visit = (name: string, explicit: boolean, current?: Installed) => {
    const found = newestInRepos(repos, name);
    if (!found) return;
    if (current && current.packageId === found.stone.id) return;
    if (changes.some((c) => c.name === name)) return;
    if (!current && names.has(name)) return;
    changes.push({
      name,
      from: current?.packageId,
      fromVersion: current && { version: current.version, release: current.release },
      to: versionOf(found.stone),
      ...found,
    });
    selections.set(name, { packageId: found.stone.id, explicit, reason: current?.reason ?? (explicit ? null : 'dependency') });
    for (const d of found.stone.meta.dependencies ?? []) if (!names.has(d)) visit(d, false);
  };
  for (const i of installed) visit(i.name, i.explicit, i);
  // client/sync.rs:76-80: installed packages the synced selection no longer needs are orphaned.
  const stoneOf = (id: string) => repos.map((r) => r.get(id)).find((x) => x !== undefined);
  const byName = new Map([...selections].map(([name, sel]) => [name, sel]));
  const needed = new Set<string>();
  const need = (name: string) => {
    const sel = byName.get(name);
    if (!sel || needed.has(name)) return;
    needed.add(name);
    for (const d of stoneOf(sel.packageId)?.meta.dependencies ?? []) need(d);
  };
  for (const [name, sel] of byName) if (sel.explicit) need(name);
  const orphaned = installed.filter((i) => !needed.has(i.name));
  return { changes, orphaned, selections: [...selections].filter(([name]) => needed.has(name)).map(([, sel]) => sel) };
}

/**
 * What `moss remove NAME...` would do (client/remove.rs): drop the named packages from the
 * selection, then every non-explicit package no longer needed by what remains.
 */
export function planRemove(root: string, names: string[], repos = rootRepositories(mossPaths(root).repo)): { removed: Installed[]; selections: Selection[] } {
  const installed = installedPackages(root);
  const missing = names.filter((n) => !installed.some((i) => i.name === n));
  if (missing.length) throw new MossError(`Missing packages in lookup: ${missing.join(', ')}`);
  const keep = installed.filter((i) => !names.includes(i.name));
  // Dependencies come from the repositories' metadata; a kept package keeps what it needs.
  const deps = (name: string) =>
    repos.flatMap((r) =>
      r
        .stones()
        .filter((s) => s.meta.name === name)
        .flatMap((s) => s.meta.dependencies ?? []),
    );
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const d of deps(name)) visit(d);
  };
  for (const i of keep) if (i.explicit) visit(i.name);
  const remaining = keep.filter((i) => i.explicit || needed.has(i.name));
  return {
    removed: installed.filter((i) => !remaining.includes(i)),
    selections: remaining.map((i) => ({ packageId: i.packageId, explicit: i.explicit, reason: i.reason })),
  };
}

/** Ingests the planned stones and commits the new state. Returns its id. */
export function applyPlan(root: string, plan: PackagePlan, summary: string, description?: string): number {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    for (const c of plan.changes) ingestStone(p, db, c.repo, c.stone);
  } finally {
    db.close();
  }
  return commitState(root, plan.selections, { summary, description });
}
