// Property: `--update` never weakens a spec. For generated expected blocks (literal lines,
// `[..]`, ` (re)`, `...`, `{{captures}}`) and observed outputs made from the same lines by random
// edits (changed, dropped, inserted lines; lines that look like markup, control bytes):
//   - the blessed page parses back (no spec error) and passes against the same output;
//   - every literal expected line whose output line is still there is still in the block;
//   - every `...` line is kept;
//   - blessing the blessed page changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeObserved, escapeRegex, matchLines } from '../../generator/spec/match.ts';
import { blessPage, validatePage } from './bless-helpers.ts';

/** Output lines of the kinds contributors meet, the awkward ones included. */
const lineArb = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9 :./-]{0,12}[a-z0-9]$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '...',
      '```',
      '~~~',
      '> quoted',
      '$ ls',
      '[3]',
      '--- stderr',
      'x (re)',
      'a {{b}}',
      '[..]',
      '',
      'tab\there',
      '\tlead',
      'cr\rhere',
      'nul\u0000',
      '😀 é ß',
      '  indented',
      '>',
    ),
  },
);

interface Spec {
  /** Expected lines as written, and for each literal one the index of the base line it stands for. */
  expected: string[];
  literalOf: Map<number, number>;
}

type Kind = 'literal' | 'wild' | 're' | 'capture' | 'elide';

/** Turn base lines into expected lines, some of them matchers. */
function expectedFrom(base: string[], kinds: Kind[]): Spec {
  const expected: string[] = [];
  const literalOf = new Map<number, number>();
  let capture = 0;
  base.forEach((line, i) => {
    const kind = kinds[i % kinds.length];
    const plain = escapeObserved(line) === line;
    if (kind === 'elide') {
      if (expected.at(-1) !== '...') expected.push('...');
    } else if (kind === 'wild' && plain && line.length > 2) expected.push(`${line.slice(0, 1)}[..]${line.slice(-1)}`);
    else if (kind === 're' && plain) expected.push(`${escapeRegex(line.slice(0, 1))}.* (re)`);
    else if (kind === 'capture' && plain && line.length > 0) expected.push(`{{c${capture++}}}`);
    else {
      if (plain) literalOf.set(expected.length, i);
      expected.push(escapeObserved(line));
    }
  });
  return { expected, literalOf };
}

type Edit = { kind: 'keep' } | { kind: 'change'; to: string } | { kind: 'drop' } | { kind: 'insert'; line: string };

/** Apply random edits; returns the observed lines and which base lines survive unchanged. */
function observedFrom(base: string[], edits: Edit[]): { observed: string[]; kept: Set<number> } {
  const observed: string[] = [];
  const kept = new Set<number>();
  base.forEach((line, i) => {
    const e = edits[i % edits.length];
    if (e.kind === 'keep') {
      kept.add(i);
      observed.push(line);
    } else if (e.kind === 'change' && e.to !== line) observed.push(e.to);
    else if (e.kind === 'insert') {
      kept.add(i);
      observed.push(e.line, line);
    }
  });
  return { observed, kept };
}

function page(expected: string[]): string {
  return ['# P', '', '```console', '$ run', ...expected, '```', ''].join('\n');
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Edit>({ kind: 'keep' }) },
  { weight: 2, arbitrary: lineArb.map((to): Edit => ({ kind: 'change', to })) },
  { weight: 1, arbitrary: fc.constant<Edit>({ kind: 'drop' }) },
  { weight: 2, arbitrary: lineArb.map((line): Edit => ({ kind: 'insert', line })) },
);

describe('--update never weakens a spec (property)', () => {
  it('blessed pages read back, pass, keep every still-present literal line and every ...', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom<Kind>('literal', 'literal', 'literal', 'wild', 're', 'capture', 'elide'), { minLength: 1, maxLength: 12 }),
        fc.array(editArb, { minLength: 1, maxLength: 12 }),
        (base, kinds, edits) => {
          const spec = expectedFrom(base, kinds);
          if (spec.expected.length === 0) return;
          const { observed, kept } = observedFrom(base, edits);
          const output = observed.join('\n') + (observed.length ? '\n' : '');
          const source = page(spec.expected);
          assert.deepEqual(validatePage(source, [output]).errors, [], 'the generated page itself is valid');

          const blessed = blessPage(source, [output]);
          const again = validatePage(blessed, [output]);
          assert.deepEqual(again.errors, [], `the blessed page reads back:\n${blessed}`);
          assert.equal(again.outcomes[0].blocks[0].commands.length, 1, `one command still:\n${blessed}`);
          assert.equal(again.outcomes[0].status, 'passed', `the blessed page passes:\n${blessed}\n${again.outcomes[0].blocks[0].diff}`);

          const written = again.outcomes[0].blocks[0].commands[0].expected.map((l) => l.text);
          // A literal line survives when its output line does, even if other lines around it changed
          // (counted: two equal literal lines over two surviving output lines are both kept).
          const need = new Map<string, number>();
          for (const [p, b] of spec.literalOf) if (kept.has(b) && spec.expected[p] !== '') need.set(spec.expected[p], (need.get(spec.expected[p]) ?? 0) + 1);
          for (const [text, count] of need) {
            const have = written.filter((l) => l === text).length;
            assert.ok(
              have >= Math.min(count, observed.filter((o) => o === text).length),
              `literal ${JSON.stringify(text)} kept (${have} of ${count}):\n${source}\n--- blessed:\n${blessed}`,
            );
          }
          assert.equal(written.filter((l) => l === '...').length, spec.expected.filter((l) => l === '...').length, `every ... kept:\n${blessed}`);
          assert.equal(blessPage(blessed, [output]), blessed, 'blessing a green page changes nothing');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the alignment replaces rather than drops: both sides of a changed line show, also next to ... and [..]', () => {
    const none = new Map<string, string>();
    const next = matchLines(['...', 'Finished in 5s'], ['Compiling a', 'Compiling b', 'Finished in 6s'], none);
    assert.deepEqual(next.normalized, ['...', 'Finished in 6s']);
    const around = matchLines(['...', 'status: ok', '...'], ['status: FAIL'], none);
    assert.deepEqual(around.normalized, ['...', 'status: FAIL', '...']);
    const wild = matchLines(['started [..]', 'done in 5s'], ['started now', 'done in 6s'], none);
    assert.deepEqual(wild.normalized, ['started [..]', 'done in 6s']);
    assert.deepEqual(
      wild.ops.map((o) => o.op),
      ['match', 'replace'],
    );
  });

  it('a matcher line whose output moved keeps its matcher in the new place (nix store gc, in time order)', () => {
    const none = new Map<string, string>();
    const r = matchLines(
      ['3 store paths deleted, [..] MiB freed', 'finding garbage collector roots...', 'deleting garbage...'],
      ['finding garbage collector roots...', 'deleting garbage...', '3 store paths deleted, 0.00 MiB freed'],
      none,
    );
    assert.equal(r.ok, false);
    assert.deepEqual(r.normalized, ['finding garbage collector roots...', 'deleting garbage...', '3 store paths deleted, [..] MiB freed']);
  });
});
