// caseHash: a case's text, wherever it starts on its page; shiftCaseReport moves a result with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMarkdown } from '../../generator/content/parse.ts';
import { caseHash, shiftCaseReport } from '../../generator/spec/case-hash.ts';
import { extractPage } from '../../generator/spec/extract.ts';
import type { CaseReport } from '../../generator/spec/report-types.ts';

const CASE = (expected: string, meta = '') => `## Echo\n\n\`\`\`console${meta}\n$ echo hi\n${expected}\n\`\`\`\n`;
const cases = (file: string, text: string) => extractPage(parseMarkdown(file, text)).cases;

describe('caseHash', () => {
  it('is the same for the same text moved down the page, and differs for any change of it', () => {
    const [a] = cases('p.md', CASE('hi'));
    const [b] = cases('p.md', `Some words.\n\nMore.\n\n${CASE('hi')}`);
    assert.notEqual(a!.line, b!.line);
    assert.equal(caseHash(a!), caseHash(b!));
    assert.notEqual(caseHash(a!), caseHash(cases('p.md', CASE('ho'))[0]!), 'expected output');
    assert.notEqual(caseHash(a!), caseHash(cases('p.md', CASE('hi', ' timeout=5'))[0]!), 'block options');
    assert.notEqual(caseHash(a!), caseHash(cases('q.md', CASE('hi'))[0]!), 'another page');
    assert.notEqual(caseHash(a!), caseHash(cases('p.md', CASE('hi').replace('```console\n', '```console\n\n'))[0]!), 'a line inside the case');
  });
});

describe('shiftCaseReport', () => {
  it('moves every id and line of a result by the same amount', () => {
    const r: CaseReport = {
      id: 'p.md:3',
      file: 'p.md',
      line: 3,
      title: 'Echo',
      status: 'passed',
      durationMs: 1,
      reboots: 0,
      artifacts: [],
      blocks: [
        {
          id: 'p.md:5',
          file: 'p.md',
          line: 5,
          kind: 'transcript',
          status: 'passed',
          commands: [{ line: 6, command: 'echo hi', stdout: 'hi\n', stderr: '', status: 0, durationMs: 1 }],
          captures: {},
          diff: '',
          durationMs: 1,
        },
      ],
    };
    const moved = shiftCaseReport(r, 10);
    assert.equal(moved.id, 'p.md:10');
    assert.equal(moved.blocks[0]!.id, 'p.md:12');
    assert.equal(moved.blocks[0]!.line, 12);
    assert.equal(moved.blocks[0]!.commands[0]!.line, 13);
    assert.equal(r.id, 'p.md:3', 'the stored result is not changed');
  });
});
