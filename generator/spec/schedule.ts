// The order cases start in: longest first, by what each took in the last report, so
// that with several machines the long cases do not start last and leave one machine
// working alone at the end (longest-processing-time-first scheduling). Cases the last
// report does not know (new, renamed) start first: they may be long, and starting
// them early costs least. Outcomes are still printed and reported in document order.
import type { SpecReport } from './report-types.ts';
import type { SpecCase } from './types.ts';

/** What each case took in a report, in ms, by id and by file and title (ids move when lines above a case change). */
export interface CaseDurations {
  byId: Map<string, number>;
  byTitle: Map<string, number>;
}

export const NO_DURATIONS: CaseDurations = { byId: new Map(), byTitle: new Map() };

const titleKey = (file: string, title: string): string => `${file}\0${title}`;

export function caseDurations(report: SpecReport | null): CaseDurations {
  const byId = new Map<string, number>();
  const byTitle = new Map<string, number>();
  for (const c of report?.cases ?? []) {
    // A case that was not run (skipped, broken) says nothing about how long it takes.
    if (c.status === 'skipped' || c.specError) continue;
    byId.set(c.id, c.durationMs);
    byTitle.set(titleKey(c.file, c.title), c.durationMs);
  }
  return { byId, byTitle };
}

/** Indices of `cases` in the order to start them: unknown ones first (in document order), then longest first. */
export function startOrder(cases: readonly SpecCase[], last: CaseDurations): number[] {
  const known = (c: SpecCase): number | undefined => last.byId.get(c.id) ?? last.byTitle.get(titleKey(c.file, c.title));
  return cases
    .map((c, i) => ({ i, ms: known(c) }))
    .sort((a, b) => {
      if (a.ms === undefined || b.ms === undefined) return a.ms === b.ms ? a.i - b.i : a.ms === undefined ? -1 : 1;
      return b.ms - a.ms || a.i - b.i;
    })
    .map((x) => x.i);
}
