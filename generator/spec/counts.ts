// The one count of a run, made from the report, so the terminal's last line, the JSON
// totals, the JUnit root and the TAP plan can never disagree.
//
// What is counted, each thing once:
//   - every block (transcript or contract row) of a case that ran or was skipped: passed,
//     failed (ran and did not match), skipped, or an error (could not run: timeout, machine);
//   - every spec error, as an error. The blocks of a case that holds a spec error did not
//     run and are not counted again (the report marks such a case `specError: true`).

import type { CaseReport, SpecReport } from './report-types.ts';

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  /** Blocks that could not run, plus spec errors. */
  errors: number;
  /** How many of `errors` are spec errors (always written by countReport; reports from before it lack it). */
  specErrors?: number;
}

/** The blocks that count as tests: those of cases without a spec error. */
export function countedBlocks(cases: readonly CaseReport[]): Array<{ c: CaseReport; b: CaseReport['blocks'][number] }> {
  return cases.filter((c) => !c.specError).flatMap((c) => c.blocks.map((b) => ({ c, b })));
}

export function countReport(report: Pick<SpecReport, 'cases' | 'specErrors'>): Totals {
  const specErrors = report.specErrors?.length ?? 0;
  const t = { passed: 0, failed: 0, skipped: 0, errors: 0, specErrors };
  for (const { b } of countedBlocks(report.cases)) {
    if (b.status === 'passed') t.passed++;
    else if (b.status === 'failed') t.failed++;
    else if (b.status === 'skipped') t.skipped++;
    else t.errors++;
  }
  t.errors += specErrors;
  return t;
}

/** The last line of a run: `N passed, N failed, N errors` (`, N skipped` when some were). */
export function summaryLine(t: Totals): string {
  const line = `${t.passed} passed, ${t.failed} failed, ${t.errors} error${t.errors === 1 ? '' : 's'}`;
  return t.skipped ? `${line}, ${t.skipped} skipped` : line;
}
