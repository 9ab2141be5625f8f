// A saved booted state per image and command line (onix/machine/booted-snapshot.ts) is about
// 80 MB: within an image only the four used last are kept, and none used in the last ten minutes
// is removed (a machine may be copying it).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pruneBooted } from '../../onix/machine/booted-snapshot.ts';
import { DISK_CACHE } from '../../onix/machine/disk.ts';

test('pruneBooted keeps the four states of an image used last, and any used in the last ten minutes', () => {
  const image = `${process.pid.toString(16).padStart(8, '0')}feedfacefeed`.slice(0, 20);
  const other = image.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  const now = Date.now();
  const ages = [1, 2, 3, 4, 5, 30, 60, 120]; // minutes since last use
  const states = ages.map((m, i) => ({ name: `${image}.booted-${String(i).padStart(16, '0')}`, minutes: m }));
  const foreign = `${other}.booted-${'f'.repeat(16)}`;
  try {
    for (const { name, minutes } of [...states, { name: foreign, minutes: 120 }]) {
      mkdirSync(join(DISK_CACHE, name), { recursive: true });
      const t = new Date(now - minutes * 60_000);
      utimesSync(join(DISK_CACHE, name), t, t);
    }
    const removed = pruneBooted(image, now).sort();
    // The four used last stay; of the others, the one used 5 minutes ago is too recent to go.
    assert.deepEqual(
      removed,
      states.slice(5).map((s) => s.name),
    );
    for (const s of states.slice(0, 5)) assert.ok(existsSync(join(DISK_CACHE, s.name)), s.name);
    assert.ok(existsSync(join(DISK_CACHE, foreign)), "another image's states are not this image's to prune");
  } finally {
    for (const name of [...states.map((s) => s.name), foreign]) rmSync(join(DISK_CACHE, name), { recursive: true, force: true });
  }
});
