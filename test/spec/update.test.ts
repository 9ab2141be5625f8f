// --update (bless): rewrites only the lines that no longer match, keeps every matcher that does.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyEdits } from '../../generator/spec/update.ts';
import { FIX, ROOT, run, tempDir } from './helpers.ts';

describe('--update', () => {
  it('round-trips: update rewrites the failures, keeps wildcards, regexes and captures, and the re-run passes', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, FIX, 'bless.md'), join(dir, 'page.md'));
    const first = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(first.report.totals.failed, 4, 'the four blocks failed before the update');
    assert.deepEqual(first.updated, { updated: [{ file: 'page.md', commands: 9 }], conflicts: [], refused: [] });
    assert.equal(first.exitCode, 0, 'every failure was blessed');
    assert.equal(readFileSync(join(dir, 'page.md'), 'utf8'), readFileSync(join(ROOT, FIX, 'bless.expected.md'), 'utf8'));

    const again = await run(['page.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.equal(again.exitCode, 0);
    assert.equal(again.output.at(-1), '4 passed, 0 failed, 0 errors');
    const blessedOnce = readFileSync(join(dir, 'page.md'), 'utf8');
    const third = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.deepEqual(third.updated, { updated: [], conflicts: [], refused: [] });
    assert.equal(readFileSync(join(dir, 'page.md'), 'utf8'), blessedOnce, 'a green page is left byte for byte');
  });

  it('does not touch timed-out commands, contract rows, or a page that changed during the run', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, FIX, 'timeout.md'), join(dir, 'page.md'));
    const before = readFileSync(join(dir, 'page.md'), 'utf8');
    const r = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(r.exitCode, 2);
    assert.equal(readFileSync(join(dir, 'page.md'), 'utf8'), before);

    copyFileSync(join(ROOT, FIX, 'fail.md'), join(dir, 'fail.md'));
    const changed = await run(['fail.md'], {
      cwd: dir,
      update: true,
      outDir: join(dir, '.spec'),
      filter: 'exact mismatch',
      createMachine: async (target) => {
        // The contributor saves the page while the spec runs.
        writeFileSync(join(dir, 'fail.md'), `${readFileSync(join(dir, 'fail.md'), 'utf8')}\nedited\n`);
        const { createMachine } = await import('../../onix/machine/targets.ts');
        return createMachine(target);
      },
    });
    assert.deepEqual(changed.updated, { updated: [], conflicts: ['fail.md'], refused: [] });
    assert.ok(changed.output.includes('not updated fail.md: it changed on disk during the run'));
    assert.match(readFileSync(join(dir, 'fail.md'), 'utf8'), /goodbye\n```[\s\S]*\nedited\n$/);
  });

  it('replaces the changed line next to ... instead of deleting the assertion (finding 1), and the diff shows both sides', async () => {
    const dir = tempDir();
    const page = [
      '# Elided',
      '',
      '## Build',
      '',
      '```console',
      "$ printf 'Compiling a\\nCompiling b\\nFinished in 6s\\n'",
      '...',
      'Finished in 5s',
      '```',
      '',
      '## Status',
      '',
      '```console',
      "$ printf 'status: FAIL\\n'",
      '...',
      'status: ok',
      '...',
      '```',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'page.md'), page);
    const first = await run(['page.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.equal(first.exitCode, 1);
    const diffs = first.report.cases.map((c) => c.blocks[0].diff);
    assert.match(diffs[0], /^-Finished in 5s$/m);
    assert.match(diffs[0], /^\+Finished in 6s$/m);
    assert.match(diffs[1], /^-status: ok$/m);
    assert.match(diffs[1], /^\+status: FAIL$/m);
    const blessed = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(blessed.exitCode, 0);
    const text = readFileSync(join(dir, 'page.md'), 'utf8');
    assert.match(text, /\n\.\.\.\nFinished in 6s\n```/);
    assert.match(text, /\n\.\.\.\nstatus: FAIL\n\.\.\.\n```/);
    const again = await run(['page.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.equal(again.exitCode, 0);
  });

  it('writes output that would read as markup in an escape that reads back (finding 2): fences, a leading >, CR, NUL', async () => {
    const dir = tempDir();
    const page = [
      '# Markup',
      '',
      '## Fences',
      '',
      '```console',
      "$ printf '```\\n~~~\\n> quoted\\na\\rb\\nnul\\000x\\n\\tlead\\n'",
      'old',
      '```',
      '',
      '## Later',
      '',
      '```console',
      '$ echo later',
      'later',
      '```',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'page.md'), page);
    const blessed = await run(['page.md'], { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(blessed.exitCode, 0);
    const text = readFileSync(join(dir, 'page.md'), 'utf8');
    assert.doesNotMatch(text, /[\r\0]/, 'no raw CR or NUL in the page');
    const again = await run(['page.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.deepEqual(again.specErrors, []);
    assert.equal(again.exitCode, 0, again.output.join('\n'));
    assert.deepEqual(
      again.report.cases.map((c) => c.blocks.length),
      [1, 1],
      'the later case is still a test',
    );
    assert.equal(again.report.cases[0].blocks[0].commands.length, 1, 'no escaped line is read as a command');
  });

  it('applies edits bottom-up, inserting and replacing line ranges', () => {
    const src = 'a\nb\nc\nd\n';
    assert.equal(
      applyEdits(src, [
        { first: 2, last: 2, lines: ['B1', 'B2'] },
        { first: 4, last: 3, lines: ['ins'] },
      ]),
      'a\nB1\nB2\nc\nins\nd\n',
    );
    assert.equal(applyEdits(src, [{ first: 1, last: 3, lines: [] }]), 'd\n');
  });
});
