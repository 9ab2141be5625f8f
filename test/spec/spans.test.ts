// The report keeps what a passed command printed, per expected line, with the characters the
// matchers covered: the site renders this and never runs a matcher (generator/spec/spans.ts).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { matchLines } from '../../generator/spec/match.ts';
import { runSpec } from '../../generator/spec/run.ts';
import { shownLine, shownLines } from '../../generator/spec/spans.ts';
import { tempDir } from './helpers.ts';

describe('shown output of passed commands', () => {
  it('marks what [..], (re) and captures covered, and keeps what ... stood for', () => {
    const expected = ['id: [..] end', 'first', '...', 'v{{version}}', 'n=\\d+ (re)', 'v{{version}} again'];
    const observed = ['id: 7f3a end', 'first', 'a', 'b', 'v1.2', 'n=42', 'v1.2 again'];
    const r = matchLines(expected, observed, new Map());
    assert.ok(r.ok);
    assert.deepEqual(shownLines(expected, observed, r.ops, r.bound), [
      { text: 'id: 7f3a end', marks: [{ from: 4, to: 8 }] },
      { text: 'first' },
      { elided: ['a', 'b'] },
      { text: 'v1.2', marks: [{ from: 1, to: 4, capture: 'version' }] },
      { text: 'n=42', marks: [{ from: 0, to: 4 }] },
      { text: 'v1.2 again', marks: [{ from: 1, to: 4, capture: 'version' }] },
    ]);
  });

  it('an empty [..] marks nothing; a failed alignment has no shown form', () => {
    assert.deepEqual(shownLine('a[..]b', 'ab', new Map()), { text: 'ab' });
    const r = matchLines(['x'], ['y'], new Map());
    assert.equal(shownLines(['x'], ['y'], r.ops, r.bound), null);
  });

  it('the runner stores it in the report for passed commands only', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'page.md'),
      ['## Case', '', '```console', '$ printf "pid %s\\n" $$; seq 1 5', 'pid [..]', '1', '...', '5', '$ echo nope', 'yes', '```', ''].join('\n'),
    );
    const result = await runSpec({ cwd: dir, files: ['page.md'], outDir: join(dir, '.spec'), target: 'local', write: () => {} });
    const [passed, failed] = result.report.cases[0]!.blocks[0]!.commands;
    const pid = /pid (\d+)/.exec(passed!.stdout)![1]!;
    assert.deepEqual(passed!.shown, [
      { text: `pid ${pid}`, marks: [{ from: 4, to: 4 + pid.length }] },
      { text: '1' },
      { elided: ['2', '3', '4'] },
      { text: '5' },
    ]);
    assert.equal(failed!.shown, undefined);
  });
});
