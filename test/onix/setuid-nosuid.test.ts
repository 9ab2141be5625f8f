// The setuid walk leaves out filesystems mounted nosuid, where the kernel ignores the bits
// (mount(8) "nosuid"); mount points come from proc(5)'s mountinfo, fifth field, with its
// octal escapes, and per-mount options in the sixth.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nosuidMountPoints, setuidFiles } from '../../onix/planes/setuid.ts';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw',
  '24 22 0:22 / /tmp rw,nosuid,nodev,relatime shared:3 - tmpfs tmp rw,mode=1777',
  '25 22 0:23 / /run rw,nosuid,nodev,relatime shared:4 - tmpfs run rw,mode=755',
  '26 22 0:24 / /home/a\\040b rw,nosuid,relatime shared:5 - tmpfs home rw',
  '27 22 0:25 / /persist rw,relatime shared:6 - ext4 /dev/vdb rw',
  '28 22 0:26 / /srv/img/tmp rw,nosuid,relatime shared:7 - tmpfs t rw',
].join('\n');

test('nosuid mount points are read from mountinfo, unescaped, and placed below the root', () => {
  assert.deepEqual([...nosuidMountPoints('/', MOUNTINFO)].sort(), ['/home/a b', '/proc', '/run', '/srv/img/tmp', '/tmp']);
  // Inspecting a root mounted elsewhere: only the mounts below it count, as its own paths.
  assert.deepEqual([...nosuidMountPoints('/srv/img', MOUNTINFO)], ['/tmp']);
  assert.deepEqual([...nosuidMountPoints('/srv/img/', MOUNTINFO)], ['/tmp']);
  // A nosuid root mount is not a mount point below the root.
  assert.deepEqual([...nosuidMountPoints('/', '1 0 0:1 / / rw,nosuid - ext4 x rw')], []);
});

test('a setuid file on a nosuid mount is no setuid binary; one elsewhere is found', () => {
  const root = mkdtempSync(join(tmpdir(), 'onix-nosuid-'));
  try {
    for (const d of ['usr/bin', 'tmp/x']) mkdirSync(join(root, d), { recursive: true });
    for (const f of ['usr/bin/su', 'tmp/x/planted']) {
      writeFileSync(join(root, f), '#!/bin/sh\n');
      chmodSync(join(root, f), 0o4755);
    }
    assert.deepEqual(setuidFiles(root, new Set()), ['/tmp/x/planted', '/usr/bin/su']);
    assert.deepEqual(setuidFiles(root, new Set(['/tmp'])), ['/usr/bin/su']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
