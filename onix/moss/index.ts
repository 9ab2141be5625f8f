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

export { syncBootEntries, bootStates, entryName, entryText, readOsRelease, treeKernel, treeKernels, KERNEL_OPTIONS, OLDER_ENTRIES } from './boot.ts';
export { openMossDb, type MossDb } from './db.ts';
export { MossError } from './errors.ts';
export { exchange, exchangeBinary, buildExchange, IMAGE_EXCHANGE } from './exchange.ts';
export { planInstall, planSync, applyPlan, type PackagePlan } from './packages.ts';
export { archivedUsr, assetPath, mossPaths, type MossPaths } from './paths.ts';
export { planPrune, applyPrune, type PruneResult, type PruneStrategy } from './prune.ts';
export { StoneRepository, rootRepositories } from './repository.ts';
export { MOSS_DB, type StateRow } from './schema.ts';
export { activeStateId, bootedStateId, formatState, getState, listStates, readStateId, type MossState, type Selection } from './state.ts';
export { stoneId, isNewer, type LayoutEntry, type Stone, type StoneMeta } from './stone.ts';
export { hashFile, sameFile } from './store.ts';
export { activateState, commitState, createRootLinks, ingestStone, initRoot, statesWithTrees, withRootLock, ROOT_LINKS, type ActivateOptions, type NewStateOptions } from './transaction.ts';
export { assetName, assetRelPath, xxh3Bytes, xxh3File } from './xxh3.ts';
export { compileTriggers, runTriggers, triggerDir, type CompiledTrigger } from './triggers.ts';
export { MOSS_DB_VERSION, STATE_KIND } from './schema.ts';

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
