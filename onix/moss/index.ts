// The moss stand-in as a library: what the image builder and test fixtures call.
//
//   const p = initRoot(root);                                 // /.moss, databases, root links
//   const repo = StoneRepository.open(join(root, '.moss/repo/local'), true);
//   const base = repo.addFromTree({ name: 'base', version: '1', release: 1, summary: 'base' }, treeDir);
//   const id = installStones(root, repo, [base], { summary: 'Install' });   // a state, swapped in
//   activateState(root, older); applyPrune(root, planPrune(root, { keepRecent: 2 }).map((s) => s.id));
import { openMossDb } from './db.ts';
import { mossPaths } from './paths.ts';
import type { StoneRepository } from './repository.ts';
import type { Stone } from './stone.ts';
import { commitState, ingestStone, type NewStateOptions } from './transaction.ts';
import { loadXxh3 } from './xxh3.ts';

// The library's users hash (stones, verify) without an entry point of their own to load it.
await loadXxh3();

export { entryText } from './boot.ts';
export { openMossDb } from './db.ts';
export { MossError } from './errors.ts';
export { exchangeBinary } from './exchange.ts';
export { compileStatic, helperBinary, helperSource } from './helpers.ts';
export { planSync, applyPlan } from './packages.ts';
export { assetPath, mossPaths } from './paths.ts';
export { planPrune, applyPrune } from './prune.ts';
export { StoneRepository } from './repository.ts';
export { activeStateId, listStates } from './state.ts';
export type { Stone, StoneMeta } from './stone.ts';
export { sameFile } from './store.ts';
export { activateState, initRoot, type NewStateOptions } from './transaction.ts';
export { assetName, xxh3Bytes } from './xxh3.ts';

/** Ingests stones from a repository and commits a state selecting exactly them (all explicit). */
export function installStones(root: string, repo: StoneRepository, stones: Stone[], options: NewStateOptions = {}): number {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    for (const s of stones) ingestStone(p, db, repo, s);
  } finally {
    db.close();
  }
  return commitState(
    root,
    stones.map((s) => ({ packageId: s.id, explicit: true, reason: null })),
    { summary: 'Install', ...options },
  );
}
