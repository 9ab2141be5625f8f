// A case's identity across saves. Ids are `<file>:<line>`, so a line added above a case moves
// it without changing it; the hash says whether a case's text changed: its page, title, kind,
// what it needs, and every block's options, commands and expected lines, with each line
// number taken relative to the case's heading. Two cases with one hash differ only in where
// they start, so a result of one is the other's once its lines are shifted (shiftCaseReport).

import { createHash } from 'node:crypto';
import type { CaseReport } from './report-types.ts';
import type { SpecCase } from './types.ts';

/** Keys whose values are source lines (made relative) or derived from them (left out). */
const LINE_KEYS = new Set(['line', 'lastCommandLine', 'statusLine', 'stderrMarkerLine']);
const DERIVED_KEYS = new Set(['id', 'file']);

/** sha256 of the case's text, independent of where on its page it starts. */
export function caseHash(c: SpecCase): string {
  const json = JSON.stringify({ file: c.file, case: c }, function (key, value: unknown) {
    if (this === undefined || key === '') return value;
    if (DERIVED_KEYS.has(key) && this !== null && typeof this === 'object' && !('case' in this)) return undefined;
    if (LINE_KEYS.has(key) && typeof value === 'number') return value - c.line;
    if (key === 'outputRange' && value && typeof value === 'object') {
      const r = value as { first: number; last: number };
      return { first: r.first - c.line, last: r.last - c.line };
    }
    return value;
  });
  return createHash('sha256').update(json).digest('hex');
}

/** The id `<file>:<line>` moved by `delta` lines. */
function shiftId(id: string, delta: number): string {
  const at = id.lastIndexOf(':');
  return `${id.slice(0, at)}:${Number(id.slice(at + 1)) + delta}`;
}

/** A case's report moved to start at `line` (same text, lines added or removed above it). */
export function shiftCaseReport(report: CaseReport, line: number): CaseReport {
  const delta = line - report.line;
  if (delta === 0) return report;
  return {
    ...report,
    id: shiftId(report.id, delta),
    line,
    blocks: report.blocks.map((b) => ({
      ...b,
      id: shiftId(b.id, delta),
      line: b.line + delta,
      commands: b.commands.map((c) => ({ ...c, line: c.line + delta })),
    })),
  };
}
