// The machine caches' publishing rules: a base disk is published once and never
// replaced; a race against a timeout leaves no timer behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { publishOnce } from '../../onix/machine/disk.ts';
import { within } from '../../onix/machine/within.ts';

test('publishOnce: the first file published stays, inode and bytes; a later one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onix-publish-'));
  try {
    const out = join(dir, 'base.qcow2');
    writeFileSync(join(dir, 'a'), 'first');
    writeFileSync(join(dir, 'b'), 'second');
    assert.equal(publishOnce(join(dir, 'a'), out), true);
    const inode = statSync(out).ino;
    assert.equal(publishOnce(join(dir, 'b'), out), false);
    assert.equal(readFileSync(out, 'utf8'), 'first');
    assert.equal(statSync(out).ino, inode);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('within: the answer or the fallback, and no timer left running either way', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  assert.equal(await within(Promise.resolve('fast'), 300_000, () => 'late'), 'fast');
  assert.equal(timers(), before, 'a settled race leaves no pending timer');
  assert.equal(await within(new Promise<string>(() => {}), 10, () => 'late'), 'late');
  assert.equal(timers(), before);
});
