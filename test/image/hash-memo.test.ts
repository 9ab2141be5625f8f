// The image build's memo of file digests: trusted only while a file's stat data is unchanged.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HashMemo } from '../../onix/image/hash-memo.ts';

test('a digest is worked out once per unchanged file, again when the file changes, even with its mtime put back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-memo-'));
  const file = join(dir, 'input');
  writeFileSync(file, 'one');
  let computed = 0;
  const compute = (f: string) => `${++computed}:${f}`;
  const memo = new HashMemo(join(dir, 'memo.json'));
  assert.equal(memo.digest(file, compute), `1:${file}`);
  assert.equal(memo.digest(file, compute), `1:${file}`);
  const before = statSync(file);
  writeFileSync(file, 'two'); // same size
  utimesSync(file, before.atime, before.mtime);
  assert.equal(memo.digest(file, compute), `2:${file}`, 'a rewrite with the old mtime changes the change time');
  memo.save();
  const again = new HashMemo(join(dir, 'memo.json'));
  assert.equal(again.digest(file, compute), `2:${file}`, 'kept for the next process');
  assert.equal(computed, 2);
});

test('an unreadable memo file is worked out again, not trusted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-memo-'));
  writeFileSync(join(dir, 'memo.json'), '{not json');
  const file = join(dir, 'input');
  writeFileSync(file, 'x');
  assert.equal(
    new HashMemo(join(dir, 'memo.json')).digest(file, () => 'fresh'),
    'fresh',
  );
});
