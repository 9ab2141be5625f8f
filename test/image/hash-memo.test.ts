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
  utimesSync(file, 1_000_000, 1_000_000); // whole seconds: put back exactly below
  let computed = 0;
  const compute = (f: string) => `${++computed}:${f}`;
  const memo = new HashMemo(join(dir, 'memo.json'));
  assert.equal(memo.digest(file, compute), `1:${file}`);
  assert.equal(memo.digest(file, compute), `1:${file}`);
  writeFileSync(file, 'two'); // same size
  utimesSync(file, 1_000_000, 1_000_000);
  assert.equal(statSync(file, { bigint: true }).mtimeNs, 1_000_000_000_000_000n);
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

test('trimmed oldest first, where a digest used again counts as new', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hash-memo-'));
  const files = Array.from({ length: 2050 }, (_, i) => join(dir, `f${i}`));
  for (const f of files) writeFileSync(f, f);
  let computed = 0;
  const compute = () => String(++computed);
  const memo = new HashMemo(join(dir, 'memo.json'));
  memo.digest(files[0]!, compute);
  for (const f of files.slice(1, 2048)) memo.digest(f, compute);
  memo.digest(files[0]!, compute); // used again: newest
  for (const f of files.slice(2048)) memo.digest(f, compute);
  memo.save();
  const again = new HashMemo(join(dir, 'memo.json'));
  const before = computed;
  again.digest(files[0]!, compute);
  assert.equal(computed, before, 'the file used again was kept');
  again.digest(files[1]!, compute);
  assert.equal(computed, before + 1, 'the oldest unused one was trimmed');
});
