// What a passed command printed, shaped for readers: one entry per expected line, holding the
// observed text and which of its characters a matcher covered. Computed once, in the validate
// stage, from the matcher's own alignment, and stored in the report; the site renders it and
// never runs a matcher itself.
//
//   expected `id: [..]`       observed `id: 7f3a`      -> { text: 'id: 7f3a', marks: [{ from: 4, to: 8 }] }
//   expected `...`            observed 3 lines          -> { elided: [the 3 lines] }
//   expected `x (re)`         observed `x12`            -> { text: 'x12', marks: [{ from: 0, to: 3 }] }
//   expected `v {{version}}`  observed `v 1.2`          -> { text: 'v 1.2', marks: [{ from: 2, to: 5, capture: 'version' }] }

import { type AlignOp, escapeRegex, isRegexLine, lineParts } from './match.ts';

/** Characters `[from, to)` of an observed line that a matcher covered: they vary from run to run. */
export interface ShownMark {
  from: number;
  to: number;
  /** The `{{name}}` capture these characters bound or matched (absent for `[..]` and `(re)`). */
  capture?: string;
}

/** One expected line of a passed command, as the machine printed it. */
export type ShownLine =
  /** The observed line an expected line matched; `marks` absent when the line matched exactly. */
  | { text: string; marks?: ShownMark[] }
  /** The observed lines a `...` line stood for (possibly none). */
  | { elided: string[] };

/**
 * The shown form of a passed match, from the matcher's alignment `ops` of `expected` against
 * `observed`; `captures` holds every capture bound once the match is done. Returns null when the
 * alignment has unmatched lines (a failed command shows its expected text instead).
 */
export function shownLines(
  expected: readonly string[],
  observed: readonly string[],
  ops: readonly AlignOp[],
  captures: ReadonlyMap<string, string>,
): ShownLine[] | null {
  const out: ShownLine[] = [];
  for (const op of ops) {
    if (op.op === 'elide') out.push({ elided: op.o.map((o) => observed[o]!) });
    else if (op.op === 'match') out.push(shownLine(expected[op.p]!, observed[op.o]!, captures));
    else return null;
  }
  return out;
}

/** An observed line with the characters its expected line's matchers covered. */
export function shownLine(expected: string, observed: string, captures: ReadonlyMap<string, string>): ShownLine {
  if (isRegexLine(expected)) return observed.length ? { text: observed, marks: [{ from: 0, to: observed.length }] } : { text: observed };
  // The same pattern the matcher used, with each wildcard and capture as a numbered group.
  const names: Array<string | null> = [];
  let source = '';
  for (const part of lineParts(expected)) {
    if (part.kind === 'literal') source += escapeRegex(part.text);
    else if (part.kind === 'wildcard') {
      source += '(.*)';
      names.push(null);
    } else {
      const value = captures.get(part.name);
      source += value === undefined ? '(.+?)' : `(${escapeRegex(value)})`;
      names.push(part.name);
    }
  }
  if (names.length === 0) return { text: observed };
  const found = new RegExp(`^${source}$`, 'd').exec(observed);
  if (!found?.indices) return { text: observed, marks: observed.length ? [{ from: 0, to: observed.length }] : undefined };
  const marks: ShownMark[] = [];
  names.forEach((name, k) => {
    const span = found.indices![k + 1];
    if (!span || span[0] === span[1]) return;
    marks.push(name === null ? { from: span[0], to: span[1] } : { from: span[0], to: span[1], capture: name });
  });
  return marks.length ? { text: observed, marks } : { text: observed };
}
