// Why the contract gives the setuid binaries to moss only: Nix cannot hold one. Checked with
// the real `nix-store` (Debian's nix-bin) on a store of its own. Upstream (NixOS/nix):
// a NAR records only whether a file is executable (src/libutil/archive.cc:77-78), and every
// file of a registered path gets mode 0444 or 0555 (src/libstore/posix-fs-canonicalise.cc:18-29,
// `canonicaliseTimestampAndPermissions`). The expected mode is read from there, 0555 for an
// executable, not taken from what nix-store does here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setuidFiles } from '../../onix/planes/setuid.ts';

test('a setuid file added to a Nix store comes out 0555, and the setuid walk finds none there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onix-nix-suid-'));
  try {
    const src = join(dir, 'tool');
    writeFileSync(src, '#!/bin/sh\n');
    chmodSync(src, 0o4755);
    const root = join(dir, 'root');
    mkdirSync(root);
    const r = spawnSync('nix-store', ['--store', `local?root=${root}`, '--add', src], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const storePath = r.stdout.trim();
    assert.match(storePath, /^\/nix\/store\/[0-9a-z]{32}-tool$/);
    assert.equal(statSync(join(root, storePath)).mode & 0o7777, 0o555);
    // The source is still setuid; only it is found, and nothing under /nix.
    assert.deepEqual(
      setuidFiles(dir).filter((f) => f.startsWith('/root/')),
      [],
    );
    assert.deepEqual(setuidFiles(dir), ['/tool']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
