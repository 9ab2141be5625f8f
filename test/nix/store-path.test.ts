// Known answers from Debian's Nix 2.8 (nix-hash --type sha256, nix store add-path
// --dry-run, nix hash to-base32) for the same trees, so our NAR serialisation and
// store path arithmetic are Nix's own.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeFixedOutputPath, makeInputAddressedPath, narHash, nixBase32, sri } from '../../onix/image/nix/store-path.ts';

const dir = mkdtempSync(join(tmpdir(), 'onix-nar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function katTree(): string {
  const t = join(dir, 'kat');
  mkdirSync(join(t, 'sub'), { recursive: true });
  writeFileSync(join(t, 'a.txt'), 'hello\n');
  writeFileSync(join(t, 'empty'), '');
  writeFileSync(join(t, 'sub/run'), '#!/bin/sh\necho hi\n');
  chmodSync(join(t, 'a.txt'), 0o644);
  chmodSync(join(t, 'empty'), 0o644);
  chmodSync(join(t, 'sub/run'), 0o755);
  symlinkSync('a.txt', join(t, 'link'));
  return t;
}

test('NAR hash of a tree (files, executable, empty file, symlink, subdir) is the one Nix computes', () => {
  const h = narHash(katTree());
  assert.equal(h.hex, '3e7e720354233b6fd7cf9a9b3761de6fb2ff0297313b99729cc199a0de134d0f');
  assert.equal(makeFixedOutputPath(h.hex, 'kat-1.0'), '/nix/store/2bpaxfkbh6gi7fa9yncf7hhzqng7b017-kat-1.0');
  assert.equal(nixBase32(Buffer.from(h.hex, 'hex')), '03sd2gga16f1kir9jfrijw1gzckgvrhkg6wsrzbnyfr3ah1p4ziy');
  assert.equal(sri(h.hex), `sha256-${Buffer.from(h.hex, 'hex').toString('base64')}`);
});

test('NAR hash of a single regular file, and its content-addressed path', () => {
  const f = join(dir, 'single');
  writeFileSync(f, 'x');
  chmodSync(f, 0o644);
  const h = narHash(f);
  assert.equal(h.hex, '2ca0b8ce996f865db37619bfe91023559305aad8158042fc6ddb0ef1d43c5b67');
  assert.equal(makeFixedOutputPath(h.hex, 'single'), '/nix/store/jzbgsf9aqzg4d7635v327cv30ky5xvpq-single');
  chmodSync(f, 0o755); // the executable bit is part of the NAR
  assert.notEqual(narHash(f).hex, h.hex);
});

test('input-addressed paths depend on name and inputs, and reject bad names', () => {
  const a = makeInputAddressedPath('libfoo-1.0', 'x');
  assert.match(a, /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-libfoo-1\.0$/);
  assert.equal(makeInputAddressedPath('libfoo-1.0', 'x'), a);
  assert.notEqual(makeInputAddressedPath('libfoo-1.0', 'y'), a);
  assert.throws(() => makeInputAddressedPath('bad name', 'x'), /invalid store path name/);
  assert.throws(() => makeInputAddressedPath('.hidden', 'x'), /invalid store path name/);
});
