// The ownership contract (onix/contract.ts) and the commands that print it:
// `onix contract` and `onix owner PATH`, run through the real binary on a
// real fixture root (symlinks like /bin -> usr/bin are the root's own).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT, normalizeAbsolute, ownerOf } from '../../onix/contract.ts';
import { cleanup, lines, makeRoot, onix } from './helpers.ts';
import type { Fixture } from './fixture/build.ts';

describe('the contract', () => {
  it('carries the seed rows, in the seed words, and what ONIX.md lists and the seed implies: kernel modules, the ESP, setuid binaries', () => {
    assert.deepEqual(
      CONTRACT.map((r) => [r.surface, r.owner, r.reason]),
      [
        ['/usr', 'moss', 'stateless machine payload'],
        ['/.moss', 'moss', 'content store and transaction history'],
        ['/boot', 'moss', 'kernel, initrd, BLS entries'],
        ['/efi', 'moss', 'EFI system partition, the boot loader'],
        ['/usr/lib/modules', 'moss', 'kernel modules, only from moss'],
        ['setuid binaries', 'moss', 'setuid and setgid files, only from moss'],
        ['/etc/nix', 'onix-nix-integration', 'declared defaults, no installer drift'],
        ['/nix', 'Nix', 'persistent store, daemon, profiles'],
        ['/run/opengl-driver', 'ONIX seam', 'host graphics bridge for Nix apps'],
      ],
    );
  });

  it('picks the longest surface by whole path components', () => {
    assert.equal(ownerOf('/usr/lib/libc.so')?.owner, 'moss');
    assert.equal(ownerOf('/usrx'), undefined);
    assert.equal(ownerOf('/etc/nix/nix.conf')?.owner, 'onix-nix-integration');
    assert.equal(ownerOf('/etc/passwd'), undefined);
    assert.equal(ownerOf('/nix/var/nix/profiles/default')?.owner, 'Nix');
    const nested = [...CONTRACT, { surface: '/nix/var/nix/profiles', owner: 'users', reason: 'r' }];
    assert.equal(ownerOf('/nix/var/nix/profiles/default', nested)?.owner, 'users');
    assert.equal(normalizeAbsolute('/usr/../nix//store/.'), '/nix/store');
  });
});

describe('onix contract and onix owner', () => {
  let fx: Fixture;
  before(() => {
    fx = makeRoot();
    symlinkSync('/nix/var/nix/profiles/default', join(fx.root, 'root/.nix-profile'));
  });
  after(cleanup);

  it('onix contract prints the table, and --json the same rows', () => {
    const text = onix(['contract']);
    assert.equal(text.status, 0);
    const rows = lines(text.stdout);
    assert.match(rows[0], /^\| Surface +\| Owner +\| Reason +\|$/);
    assert.equal(rows.length, CONTRACT.length + 2);
    for (const [i, r] of CONTRACT.entries())
      assert.deepEqual(
        rows[i + 2]
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
        [r.surface, r.owner, r.reason],
      );
    const json = onix(['contract', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), CONTRACT);
  });

  it('onix owner SURFACE prints owner, reason, surface for every row', () => {
    for (const row of CONTRACT) {
      const r = onix(['--root', fx.root, 'owner', row.surface]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(lines(r.stdout).slice(0, 3), [row.owner, row.reason, `surface: ${row.surface}`]);
    }
  });

  it("onix owner 'setuid binaries' answers from the files found: moss's, until one lies in /nix/store", () => {
    const before = onix(['--root', fx.root, 'owner', 'setuid binaries']);
    assert.equal(before.status, 0, before.stderr);
    // The fixture's busybox is setuid: its blitted /usr copy, archived trees and store assets are moss's.
    assert.match(lines(before.stdout)[3], /^files: \d+: .*\/usr\/bin\/busybox/);
    const json = JSON.parse(onix(['--root', fx.root, 'owner', 'setuid binaries', '--json']).stdout);
    assert.ok(json.files.includes('/usr/bin/busybox'));
    const store = readdirSync(join(fx.root, 'nix/store')).find((n) => !n.startsWith('.'))!;
    const planted = join(fx.root, 'nix/store', store, 'setuid-planted');
    writeFileSync(planted, '');
    chmodSync(planted, 0o4755);
    try {
      const r = onix(['--root', fx.root, 'owner', 'setuid binaries']);
      assert.equal(r.status, 1);
      assert.deepEqual(lines(r.stdout)[0], 'Nix, moss');
      const doctor = onix(['--root', fx.root, 'doctor']);
      assert.match(doctor.stdout, /setuid binaries.*\/nix\/store\/.*setuid-planted \(Nix\)/);
    } finally {
      rmSync(planted);
    }
  });

  it('a path inside a surface belongs to it as written, even when it links elsewhere', () => {
    const r = onix(['--root', fx.root, 'owner', '/run/opengl-driver/lib/libEGL_mesa.so.0']);
    assert.deepEqual(lines(r.stdout), ['ONIX seam', 'host graphics bridge for Nix apps', 'surface: /run/opengl-driver']);
  });

  it('follows symlinks inside the root for paths outside every surface', () => {
    const sh = onix(['--root', fx.root, 'owner', '/bin/sh']);
    assert.equal(sh.status, 0);
    assert.deepEqual(lines(sh.stdout).slice(0, 2), ['moss', 'stateless machine payload']);
    assert.match(lines(sh.stdout)[2], /^surface: \/usr \(via \/bin -> usr\/bin/);
    const profile = onix(['--root', fx.root, 'owner', '/root/.nix-profile/bin/jq', '--json']);
    const json = JSON.parse(profile.stdout);
    assert.equal(json.owner, 'Nix');
    assert.match(json.resolved, /^\/nix\/store\/[0-9a-z]{32}-jq-1.7.1\/bin\/jq$/);
    assert.ok(json.via.length >= 3, `followed ${json.via.join(', ')}`);
  });

  it('an unowned path says so and exits 1; a relative path is a usage error', () => {
    const r = onix(['--root', fx.root, 'owner', '/etc/passwd']);
    assert.equal(r.status, 1);
    assert.deepEqual(lines(r.stdout), ['unowned', 'no surface of the ownership contract covers /etc/passwd']);
    const rel = onix(['--root', fx.root, 'owner', 'usr/bin']);
    assert.equal(rel.status, 2);
    assert.equal(rel.stdout, '');
    assert.equal(lines(rel.stderr).length, 1);
    assert.match(rel.stderr, /must be absolute/);
    const missing = onix(['owner']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing PATH/);
  });
});
