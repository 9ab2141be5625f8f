// What onix gc says it freed: the space of the inodes a collector removed, a hard-linked file
// once, and never less than nothing when a collector rewrote its database without deleting
// anything (the sandbox's overlay copy-up of moss's db made the old total difference -4 KiB).
import assert from 'node:assert/strict';
import { appendFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diskUsage, freedBytes } from '../../onix/planes/usage.ts';

function tree() {
  const root = mkdtempSync(join(tmpdir(), 'onix-usage-'));
  mkdirSync(join(root, '.moss/db'), { recursive: true });
  writeFileSync(join(root, '.moss/db/state'), 'x'.repeat(4096));
  writeFileSync(join(root, '.moss/a'), 'a'.repeat(20_000));
  linkSync(join(root, '.moss/a'), join(root, '.moss/a-link'));
  writeFileSync(join(root, '.moss/c'), 'c'.repeat(40_000));
  return root;
}

test('freed counts the inodes that went away, a hard link once', () => {
  const root = tree();
  const before = diskUsage(root, ['/.moss']);
  const c = before.byInode.size;
  rmSync(join(root, '.moss/c'));
  rmSync(join(root, '.moss/a-link')); // the other name of a stays: nothing freed by it
  const after = diskUsage(root, ['/.moss']);
  assert.equal(after.byInode.size, c - 1);
  const cBytes = [...before.byInode.values()].reduce((a, b) => a + b, 0) - [...after.byInode.values()].reduce((a, b) => a + b, 0);
  assert.equal(freedBytes(before, after), cBytes);
  assert.ok(cBytes >= 40_000);
  rmSync(root, { recursive: true });
});

test('a database that grows while nothing is deleted frees 0 B, not a negative amount', () => {
  const root = tree();
  const before = diskUsage(root, ['/.moss']);
  appendFileSync(join(root, '.moss/db/state'), 'y'.repeat(64_000));
  const after = diskUsage(root, ['/.moss']);
  assert.ok(after.bytes > before.bytes);
  assert.equal(freedBytes(before, after), 0);
  rmSync(root, { recursive: true });
});
