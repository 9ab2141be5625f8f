// What each case took on this machine, kept in the user's cache home for every clone: the
// start order's fallback where the run's own folder has no report yet (a fresh clone, a test
// that starts from an empty folder), so the long cases still start first. One file per target,
// merged by every run, entries replaced by the newest; a lost race between two runs loses a hint,
// never a report.
import { join } from 'node:path';
import { CACHE_HOME } from '../../onix/cache-home.ts';
import { readCacheFile, writeCacheFile } from '../cache-file.ts';
import type { CaseDurations } from './schedule.ts';

const VERSION = '1';

interface Stored {
  byId: [string, number][];
  byTitle: [string, number][];
}

/** The durations file of `target` (vm, sandbox, ssh://…) in the cache home. */
export function machineDurationsFile(target: string, home = CACHE_HOME): string {
  return join(home, 'spec', `durations-${target.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`);
}

export async function loadMachineDurations(file: string): Promise<CaseDurations> {
  const stored = await readCacheFile<Stored>(file, VERSION, 'json');
  return { byId: new Map(stored?.byId ?? []), byTitle: new Map(stored?.byTitle ?? []) };
}

/** Adds a run's durations to the file, over what it held. */
export async function saveMachineDurations(file: string, run: CaseDurations): Promise<void> {
  const kept = await loadMachineDurations(file);
  for (const [id, ms] of run.byId) kept.byId.set(id, ms);
  for (const [key, ms] of run.byTitle) kept.byTitle.set(key, ms);
  await writeCacheFile(file, VERSION, { byId: [...kept.byId], byTitle: [...kept.byTitle] } satisfies Stored, 'json');
}

/** `first`'s durations, with `fallback`'s for the cases `first` does not know. */
export function withFallback(first: CaseDurations, fallback: CaseDurations): CaseDurations {
  return { byId: new Map([...fallback.byId, ...first.byId]), byTitle: new Map([...fallback.byTitle, ...first.byTitle]) };
}
