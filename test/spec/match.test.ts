import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLine, escapeObserved, matchLines } from '../../generator/spec/match.ts';
import { outputLines, stripAnsi } from '../../generator/spec/normalize.ts';

const none = new Map<string, string>();

describe('matchLines', () => {
  it('matches exactly by default', () => {
    assert.equal(matchLines(['a', 'b'], ['a', 'b'], none).ok, true);
    assert.equal(matchLines(['a', 'b'], ['a', 'B'], none).ok, false);
    assert.equal(matchLines(['a'], ['a', 'b'], none).ok, false);
    assert.equal(matchLines(['a', 'b'], ['a'], none).ok, false);
    assert.equal(matchLines(['a.c'], ['abc'], none).ok, false, 'regex characters are literal');
  });

  it('[..] matches any run of characters within one line', () => {
    assert.equal(matchLines(['hello [..] world'], ['hello big wide world'], none).ok, true);
    assert.equal(matchLines(['hello [..] world'], ['hello  world'], none).ok, true);
    assert.equal(matchLines(['[..]'], [''], none).ok, true);
    assert.equal(matchLines(['he[..]o'], ['hello'], none).ok, true);
    assert.equal(matchLines(['he[..]e'], ['hello'], none).ok, false);
    assert.equal(matchLines(['a [..] z'], ['a b', 'c z'], none).ok, false, 'never across lines');
  });

  it('... swallows any number of lines, including none', () => {
    assert.equal(matchLines(['first', '...', 'last'], ['first', 'x', 'y', 'last'], none).ok, true);
    assert.equal(matchLines(['first', '...', 'last'], ['first', 'last'], none).ok, true);
    assert.equal(matchLines(['...'], [], none).ok, true);
    assert.equal(matchLines(['...', 'z'], ['z', 'z'], none).ok, true);
    assert.equal(matchLines(['first', '...', 'last'], ['first', 'x'], none).ok, false);
  });

  it('a (re) line is a regular expression for the whole line', () => {
    assert.equal(matchLines(['v\\d+\\.\\d+ (re)'], ['v1.20'], none).ok, true);
    assert.equal(matchLines(['v\\d+ (re)'], ['v1.20'], none).ok, false, 'anchored at both ends');
    assert.equal(matchLines(['a|b (re)'], ['xb'], none).ok, false, 'alternation stays inside the anchors');
  });

  it('{{name}} binds on first use and must repeat the same value', () => {
    const r = matchLines(['id: {{id}}', 'again {{id}}'], ['id: 42', 'again 42'], none);
    assert.equal(r.ok, true);
    assert.deepEqual([...r.bound], [['id', '42']]);
    assert.deepEqual(r.used, { id: '42' });
    assert.equal(matchLines(['id: {{id}}', 'again {{id}}'], ['id: 42', 'again 43'], none).ok, false);
    assert.equal(matchLines(['{{a}}-{{a}}'], ['x-x'], none).ok, true);
    assert.equal(matchLines(['{{a}}-{{a}}'], ['x-y'], none).ok, false);
  });

  it('uses captures bound earlier in the case, also inside (re) lines (escaped)', () => {
    const bound = new Map([['dir', '/tmp/a.b']]);
    assert.equal(matchLines(['{{dir}}'], ['/tmp/a.b'], bound).ok, true);
    assert.equal(matchLines(['{{dir}}'], ['/tmp/other'], bound).ok, false);
    assert.equal(matchLines(['{{dir}}/x+ (re)'], ['/tmp/a.b/xxx'], bound).ok, true);
    assert.equal(matchLines(['{{dir}}/x+ (re)'], ['/tmp/aXb/xxx'], bound).ok, false, 'the value is escaped');
    assert.throws(() => compileLine('{{nope}} (re)', none), /before it is bound/);
  });

  it('normalises observed lines into the expected notation, keeping matchers that still match', () => {
    const expected = ['id: {{id}}', 'start [..]', '...', 'end', 'version 1', 'built \\d+ (re)'];
    const observed = ['id: 7', 'start now', 'n1', 'n2', 'end', 'version 2', 'built 99', 'extra'];
    const r = matchLines(expected, observed, none);
    assert.equal(r.ok, false);
    assert.deepEqual(r.normalized, ['id: {{id}}', 'start [..]', '...', 'end', 'version 2', 'built \\d+ (re)', 'extra']);
    // What --update would write now matches.
    assert.equal(matchLines(r.normalized, observed, none).ok, true);
  });

  it('escapes observed lines that would read as matchers', () => {
    for (const line of ['...', 'x (re)', 'a {{b}}', '[..]', '[3]', '$ ls', '> more', '--- stderr']) {
      const written = escapeObserved(line);
      assert.match(written, / \(re\)$/);
      assert.equal(matchLines([written], [line], none).ok, true, line);
    }
    assert.equal(escapeObserved('plain'), 'plain');
  });
});

describe('normalisation', () => {
  it('drops ANSI codes, trailing whitespace, CR and trailing blank lines', () => {
    assert.equal(stripAnsi('\u001b[1;31mred\u001b[0m \u001b]0;title\u0007'), 'red ');
    assert.deepEqual(outputLines('a  \r\n\u001b[32mb\u001b[0m\t\n\n\n'), ['a', 'b']);
    assert.deepEqual(outputLines(''), []);
    assert.deepEqual(outputLines('\nx'), ['', 'x'], 'leading blank lines count');
  });
});
