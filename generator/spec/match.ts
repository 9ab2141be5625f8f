// Expected lines against observed lines.
//
// Matchers (per expected line):
//   text            exact (after normalisation: no ANSI codes, no trailing whitespace)
//   a [..] b        `[..]` matches any run of characters within the line
//   ...             a line of its own: matches any number of lines (zero or more)
//   regex (re)      the line minus " (re)" is a JavaScript regular expression for the whole line
//   id: {{name}}    first use in a case binds `name` to what is there (one or more characters);
//                   every later use must see the same value. In a (re) line or a command, a
//                   capture must already be bound: its value is inserted (regex-escaped in a regex).
//
// Matching is an alignment (an edit distance where matching lines cost nothing and `...`
// swallows lines for free), not a first-divergence scan: so a failure's diff shows only the
// lines that really differ, and `--update` keeps every expected line that still matches
// (wildcards, regexes, captures) and replaces only the ones that do not.
//
// Over 300 lines on purpose: the line matchers, the capture bindings and the alignment that
// scores them are one algorithm, read together; split, each half would need the other to make sense.

export const ELIDE = '...';
export const REGEX_SUFFIX = ' (re)';
const CAPTURE = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const TOKEN = /\[\.\.\]|\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function isElide(text: string): boolean {
  return text === ELIDE;
}

export function isRegexLine(text: string): boolean {
  return text.endsWith(REGEX_SUFFIX);
}

/** Capture names a text mentions, in order of first appearance. */
export function captureNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(CAPTURE)) if (!names.includes(m[1])) names.push(m[1]);
  return names;
}

/** Replace `{{name}}` with bound values (commands); unbound names are returned, text unchanged for them. */
export function substituteCaptures(text: string, captures: ReadonlyMap<string, string>): { text: string; unbound: string[] } {
  const unbound: string[] = [];
  const out = text.replace(CAPTURE, (whole, name: string) => {
    const value = captures.get(name);
    if (value === undefined) {
      unbound.push(name);
      return whole;
    }
    return value;
  });
  return { text: out, unbound };
}

/** A piece of an expected line that is not a (re) line: literal text, a `[..]`, or a `{{name}}`. */
export type LinePart = { kind: 'literal'; text: string } | { kind: 'wildcard' } | { kind: 'capture'; name: string };

/** An expected line (not a (re) line) split into its literal text, wildcards and captures, in order. */
export function lineParts(text: string): LinePart[] {
  const parts: LinePart[] = [];
  let at = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > at) parts.push({ kind: 'literal', text: text.slice(at, m.index) });
    at = m.index + m[0].length;
    parts.push(m[0] === '[..]' ? { kind: 'wildcard' } : { kind: 'capture', name: m[1]! });
  }
  if (at < text.length) parts.push({ kind: 'literal', text: text.slice(at) });
  return parts;
}

/** A compiled line: its regex and the capture names its groups bind, in group order. */
interface Compiled {
  re: RegExp;
  binds: string[];
}

/**
 * Compile an expected line with the captures bound so far. Throws SyntaxError for a bad (re) line;
 * throws an Error naming the capture when a (re) line uses an unbound one.
 */
export function compileLine(text: string, captures: ReadonlyMap<string, string>): Compiled {
  if (isRegexLine(text)) {
    const body = text.slice(0, -REGEX_SUFFIX.length).replace(CAPTURE, (_whole, name: string) => {
      const value = captures.get(name);
      if (value === undefined) throw new Error(`capture {{${name}}} is used in a regex line before it is bound`);
      return escapeRegex(value);
    });
    return { re: new RegExp(`^(?:${body})$`, 'u'), binds: [] };
  }
  const binds: string[] = [];
  let source = '';
  for (const part of lineParts(text)) {
    if (part.kind === 'literal') source += escapeRegex(part.text);
    else if (part.kind === 'wildcard') source += '.*';
    else {
      const value = captures.get(part.name);
      if (value !== undefined) source += escapeRegex(value);
      else if (binds.includes(part.name)) source += `\\k<c${binds.indexOf(part.name)}>`;
      else {
        source += `(?<c${binds.length}>.+?)`;
        binds.push(part.name);
      }
    }
  }
  return { re: new RegExp(`^${source}$`, 'u'), binds };
}

/** Check an expected line's syntax without captures (for extraction); returns an error message or null. */
export function lineSyntaxError(text: string): string | null {
  if (!isRegexLine(text)) return null;
  const dummy = new Map(captureNames(text).map((n) => [n, 'x']));
  try {
    compileLine(text, dummy);
    return null;
  } catch (error) {
    return `bad regular expression: ${(error as Error).message}`;
  }
}

/** Characters a page cannot hold as they are: C0 controls but tab, and DEL (CR is a line break, NUL becomes U+FFFD). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/gu;
/** A line a fenced block would read as its closing fence (or a fence at all), up to its indentation. */
const FENCE_LIKE = /^[ \t]*(?:`{3,}|~{3,})/;

/**
 * Escape an observed line so that, written as expected output, it reads back as one output line
 * that matches exactly itself. Lines that would read as something else are written as a ` (re)` line:
 * a matcher (`...`, ` (re)`, `{{`, `[..]`), an exit status `[N]`, a command or continuation
 * (`$ `, `> `), `--- stderr`, a fence (```` ``` ````, `~~~`), a leading tab, and control
 * characters (written as `\xHH`). In the ` (re)` form the first character of a leading `>`,
 * backtick or tilde is written as a class (`[>]`), so the line never starts with it.
 */
export function escapeObserved(line: string): string {
  const special =
    line === ELIDE ||
    line.endsWith(REGEX_SUFFIX) ||
    line.includes('{{') ||
    line.includes('[..]') ||
    /^\[\d{1,3}\]$/.test(line) ||
    line === '$' ||
    line.startsWith('$ ') ||
    line.startsWith('$\t') ||
    line.startsWith('>') ||
    line === '--- stderr' ||
    FENCE_LIKE.test(line) ||
    line.startsWith('\t') ||
    line.search(CONTROL) >= 0;
  if (!special) return line;
  const escaped = escapeRegex(line)
    .replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/^[ ]*\t/, (lead) => lead.replace(/\t/g, '\\t'))
    .replace(/^([ ]*)([>`~])/, '$1[$2]');
  return escaped + REGEX_SUFFIX;
}

export type AlignOp =
  | { op: 'match'; p: number; o: number }
  | { op: 'elide'; p: number; o: number[] }
  /** The expected line's place is taken by this observed line: the diff shows both, `--update` writes the observed one there. */
  | { op: 'replace'; p: number; o: number }
  | { op: 'missing'; p: number }
  | { op: 'extra'; o: number };

export interface MatchResult {
  ok: boolean;
  /** Captures this match bound (names not bound before). */
  bound: Map<string, string>;
  /** Values of every capture the expected lines mention (bound before or here). */
  used: Record<string, string>;
  /**
   * The observed lines rewritten in the expected notation: an expected line wherever it still
   * matches (keeping its wildcards), every `...` line, the escaped observed line elsewhere.
   * Equal to the expected lines exactly when ok. Diffing expected against this shows only real differences;
   * `--update` writes it.
   */
  normalized: string[];
  ops: AlignOp[];
}

/** Largest alignment table before falling back to a plain line-by-line comparison. */
const MAX_CELLS = 4_000_000;

// Prices of the alignment. The first goal is to keep as many literal expected lines as
// possible, the second to keep as many matcher lines (`[..]`, ` (re)`, `{{name}}`) as possible:
// each unmatched literal line costs more than all unmatched matcher lines together, and each
// unmatched matcher line more than any sum of the tie-breakers below. So a literal line whose
// text is still in the output is never given up for a matcher or a cheaper shape. Among
// alignments that keep the same lines:
//   - replacing an expected line by an observed one is cheaper than dropping it and showing
//     the observed line as new, or than letting a `...` swallow the observed line and
//     dropping the expected one (so the diff shows both sides and `--update` replaces the
//     text in place instead of deleting the assertion);
//   - a literal match is preferred to a matcher match (so `[..]` never takes a line a literal
//     expected line could keep).
const PRICE = { matcherMatch: 1, replace: 2, extra: 3, missing: 4 } as const;

/** Match observed lines against expected lines, given the captures bound so far in the case. */
export function matchLines(expected: readonly string[], observed: readonly string[], captures: ReadonlyMap<string, string>): MatchResult {
  const m = expected.length;
  const n = observed.length;
  // Fast path: plain lines, all equal (the common case) need no alignment.
  if (m === n && expected.every((t, i) => t === observed[i] && !isElide(t) && !isRegexLine(t) && !t.includes('[..]') && !t.includes('{{'))) {
    return { ok: true, bound: new Map(), used: {}, normalized: [...expected], ops: expected.map((_, i) => ({ op: 'match', p: i, o: i })) };
  }
  const compiled: (Compiled | null)[] = expected.map((t) => (isElide(t) ? null : compileLine(t, captures)));
  const literal = expected.map((t) => !isElide(t) && !isRegexLine(t) && !t.includes('[..]') && !t.includes('{{'));
  const memo = new Map<number, boolean>();
  const lineMatches = (p: number, o: number): boolean => {
    const key = p * (n + 1) + o;
    let v = memo.get(key);
    if (v === undefined) {
      v = literal[p] ? expected[p] === observed[o] : compiled[p]!.re.test(observed[o]);
      memo.set(key, v);
    }
    return v;
  };

  let ops: AlignOp[];
  if ((m + 1) * (n + 1) > MAX_CELLS) {
    // Too big to align: pair the lines in order (`...` swallows nothing), the rest is missing or extra.
    ops = [];
    let j = 0;
    for (let i = 0; i < m; i++) {
      if (compiled[i] === null) ops.push({ op: 'elide', p: i, o: [] });
      else if (j < n) ops.push(lineMatches(i, j) ? { op: 'match', p: i, o: j++ } : { op: 'replace', p: i, o: j++ });
      else ops.push({ op: 'missing', p: i });
    }
    while (j < n) ops.push({ op: 'extra', o: j++ });
  } else {
    // cost[i][j]: cheapest alignment of expected[i..] with observed[j..] (prices above).
    const unmatchedMatcher = (m + n + 1) * PRICE.missing + 1;
    const unmatchedLiteral = unmatchedMatcher * (m + 1);
    const unmatched = (i: number) => (literal[i] ? unmatchedLiteral : unmatchedMatcher);
    const W = n + 1;
    const cost = new Float64Array((m + 1) * W);
    for (let j = 0; j <= n; j++) cost[m * W + j] = (n - j) * PRICE.extra;
    for (let i = m - 1; i >= 0; i--) {
      for (let j = n; j >= 0; j--) {
        let best: number;
        if (compiled[i] === null) {
          best = cost[(i + 1) * W + j];
          if (j < n) best = Math.min(best, cost[i * W + j + 1]);
        } else {
          best = unmatched(i) + PRICE.missing + cost[(i + 1) * W + j];
          if (j < n) {
            best = Math.min(best, PRICE.extra + cost[i * W + j + 1], unmatched(i) + PRICE.replace + cost[(i + 1) * W + j + 1]);
            const hit = (literal[i] ? 0 : PRICE.matcherMatch) + cost[(i + 1) * W + j + 1];
            if (hit < best && lineMatches(i, j)) best = hit;
          }
        }
        cost[i * W + j] = best;
      }
    }
    ops = [];
    let i = 0;
    let j = 0;
    while (i < m || j < n) {
      const here = cost[i * W + j];
      if (i === m) {
        ops.push({ op: 'extra', o: j++ });
      } else if (compiled[i] === null) {
        const swallowed: number[] = [];
        // Swallow observed lines until moving past the `...` is optimal (fewest lines swallowed).
        while (j < n && cost[(i + 1) * W + j] !== cost[i * W + j]) swallowed.push(j++);
        ops.push({ op: 'elide', p: i, o: swallowed });
        i++;
      } else if (j < n && (literal[i] ? 0 : PRICE.matcherMatch) + cost[(i + 1) * W + j + 1] === here && lineMatches(i, j)) {
        ops.push({ op: 'match', p: i++, o: j++ });
      } else if (j < n && unmatched(i) + PRICE.replace + cost[(i + 1) * W + j + 1] === here) {
        ops.push({ op: 'replace', p: i++, o: j++ });
      } else if (j < n && PRICE.extra + cost[i * W + j + 1] === here) {
        ops.push({ op: 'extra', o: j++ });
      } else {
        ops.push({ op: 'missing', p: i++ });
      }
    }
  }

  // Captures: bind in order; a later use of a name bound in this same block must see the same value.
  const bound = new Map<string, string>();
  const all = new Map(captures);
  const used: Record<string, string> = {};
  const checked: AlignOp[] = [];
  for (const op of ops) {
    if (op.op !== 'match' || compiled[op.p]!.binds.length === 0) {
      checked.push(op);
      continue;
    }
    const again = compileLine(expected[op.p], all);
    const mm = again.re.exec(observed[op.o]);
    if (!mm) {
      checked.push({ op: 'replace', p: op.p, o: op.o });
      continue;
    }
    again.binds.forEach((name, k) => {
      const value = mm.groups![`c${k}`];
      bound.set(name, value);
      all.set(name, value);
    });
    checked.push(op);
  }
  for (const text of expected) for (const name of captureNames(text)) if (all.has(name)) used[name] = all.get(name)!;

  // A matcher line that lost its place (the output moved) is written where its line went, so a
  // line that only moved keeps its `[..]` or ` (re)` instead of turning into literal text.
  const spare = checked.flatMap((op) =>
    op.op === 'missing' && !literal[op.p] && compiled[op.p] && compiled[op.p]!.binds.length === 0 && !captureNames(expected[op.p]).length ? [op.p] : [],
  );
  const normalized: string[] = [];
  for (const op of checked) {
    if (op.op === 'match') normalized.push(expected[op.p]);
    else if (op.op === 'elide') normalized.push(expected[op.p]);
    else if (op.op === 'extra' || op.op === 'replace') {
      const moved = spare.findIndex((p) => compiled[p]!.re.test(observed[op.o]));
      normalized.push(moved >= 0 ? expected[spare.splice(moved, 1)[0]] : escapeObserved(observed[op.o]));
    }
  }
  const ok = checked.every((op) => op.op === 'match' || op.op === 'elide');
  return { ok, bound, used, normalized, ops: checked };
}
