// The machine caches' publishing rules: a base disk is published once and never
// replaced, and made in a staging folder that nothing leaves behind; a race against a
// timeout leaves no timer behind.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { baseDisk, DISK_CACHE, diskImageId, pruneUnusedImages, publishOnce } from '../../onix/machine/disk.ts';
import { OWNER_FILE } from '../../onix/owned-dirs.ts';
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

test("pruneUnusedImages: an image's base disks go once unused for an hour and two others were used since; the kept image and recent ones stay", () => {
  const dir = mkdtempSync(join(tmpdir(), 'onix-disks-'));
  try {
    const now = Date.now();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(20));
    // a: the image kept (long unused); b, c: used last; d: unused for 50 minutes, within the hour;
    // e, f: unused for over an hour, beyond the two used last.
    const ageMinutes = [300, 20, 40, 50, 150, 200];
    for (const [i, id] of ids.entries()) {
      for (const f of [`${id}.qcow2`, `${id}.boot.qcow2`]) {
        writeFileSync(join(dir, f), 'disk');
        const t = new Date(now - ageMinutes[i]! * 60_000);
        utimesSync(join(dir, f), t, t);
      }
    }
    writeFileSync(join(dir, 'notes.txt'), 'not a disk');
    assert.deepEqual(pruneUnusedImages(dir, ids[0]!, diskImageId, now), [ids[4], ids[5]]);
    assert.deepEqual(readdirSync(dir).sort(), [...[0, 1, 2, 3].flatMap((i) => [`${ids[i]}.boot.qcow2`, `${ids[i]}.qcow2`]), 'notes.txt'].sort());
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

test("a base disk is made in an owned staging folder: a killed build's folder is removed by the next, this one's after publishing", async () => {
  const disks = DISK_CACHE;
  const imageId = `test-staging-${process.pid}`;
  const out = join(disks, `${imageId}.qcow2`);
  // A staging folder as a build killed in mke2fs leaves it: its owner (another boot) is gone.
  const killed = join(disks, `staging-${imageId}-killed`);
  mkdirSync(killed, { recursive: true });
  writeFileSync(join(killed, OWNER_FILE), JSON.stringify({ pid: process.pid, startTicks: 0, bootId: 'a-boot-long-ago' }));
  writeFileSync(join(killed, 'disk.raw'), 'partial');
  const rootfs = mkdtempSync(join(tmpdir(), 'onix-rootfs-'));
  writeFileSync(join(rootfs, 'hello'), 'hi\n');
  try {
    assert.equal(await baseDisk(imageId, rootfs, { freeMiB: 8 }), out);
    assert.ok(statSync(out).size > 0);
    assert.equal(existsSync(killed), false, "the killed build's staging folder is gone");
    assert.deepEqual(
      readdirSync(disks).filter((n) => n.startsWith(`staging-${imageId}`)),
      [],
      'no staging folder of this build is left',
    );
  } finally {
    rmSync(out, { force: true });
    rmSync(killed, { recursive: true, force: true });
    rmSync(rootfs, { recursive: true, force: true });
  }
});
