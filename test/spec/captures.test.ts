// Findings 7 and 8: a capture whose binding line failed is one failure (the case goes on, the
// run exits 1, not 2), and ` (re)` lines are Unicode-aware (the `u` flag).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { matchLines } from '../../generator/spec/match.ts';
import { run, tempDir } from './helpers.ts';

describe('captures whose binding line failed', () => {
  it('count as one failure; later uses are skipped, the case goes on, no spec error', async () => {
    const dir = tempDir();
    const page = [
      '# Tokens',
      '',
      '```console',
      '$ echo "id: 42"',
      'id: {{tok}} (old format)',
      '$ echo "{{tok}}"',
      '{{tok}}',
      '$ echo same-block',
      'same-block',
      '```',
      '',
      '```console',
      '$ echo "again {{tok}}"',
      'again {{tok}}',
      '$ echo x-9',
      '{{tok}}-\\d (re)',
      '```',
      '',
      '```console',
      '$ echo still-runs',
      'still-runs',
      '```',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'page.md'), page);
    const r = await run(['page.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.deepEqual(r.specErrors, []);
    assert.equal(r.exitCode, 1, r.output.join('\n'));
    const blocks = r.report.cases[0].blocks;
    assert.deepEqual(
      blocks.map((b) => b.status),
      ['failed', 'skipped', 'passed'],
    );
    assert.match(blocks[1].message ?? '', /capture \{\{tok\}\} is not bound/);
    assert.equal(r.output.at(-1), '1 passed, 1 failed, 0 errors, 1 skipped');

    // Blessing would drop the binding the case still uses: that command is left alone and said so.
    const before = readFileSync(join(dir, 'page.md'), 'utf8');
    const u = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(u.exitCode, 1);
    assert.deepEqual(
      u.updated?.refused.map((x) => x.line),
      [5],
    );
    assert.ok(
      u.output.some((l) => /^not updated page\.md:5: the line that binds \{\{tok\}\}/.test(l)),
      u.output.join('\n'),
    );
    assert.equal(readFileSync(join(dir, 'page.md'), 'utf8'), before);
  });
});

describe('(re) lines (finding 8)', () => {
  const none = new Map<string, string>();
  it('are compiled with the u flag: . is one code point, \\p{L} is a letter', () => {
    assert.equal(matchLines(['party: . (re)'], ['party: 😀'], none).ok, true);
    assert.equal(matchLines(['\\p{L}+ (re)'], ['Grüße'], none).ok, true);
    assert.equal(matchLines(['\\p{L}+ (re)'], ['p{L}'], none).ok, false);
    assert.equal(matchLines(['x [..] y'], ['x 😀 y'], none).ok, true);
    assert.equal(matchLines(['{{e}} {{e}}'], ['😀 😀'], none).bound.get('e'), '😀');
  });
});
