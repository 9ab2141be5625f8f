// The stand-in against upstream for the ESP and setuid files, one rule per test. Expected
// values come from reading upstream (AerynOS/blsforme at a09fa78, AerynOS/os-tools at
// ffff7d4b); each test cites the file and lines it encodes.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { installStones, mossPaths } from '../../onix/moss/index.ts';
import { blitMode, hardlinkMode } from '../../onix/moss/blit-mode.ts';
import { addStone, baseStones, scratchRoot, withStates } from './fixture.ts';

test('systemd-boot goes to the ESP at EFI/Boot/BOOTX64.EFI and EFI/systemd/systemd-bootx64.efi; loader.conf, entries and kernels to XBOOTLDR /boot (blsforme systemd_boot/mod.rs:46-52, 84-102, 105-114; manager.rs:92-101)', () => {
  const s = scratchRoot();
  try {
    withStates(s, 2);
    const p = mossPaths(s.root);
    // The fixture's base stone ships 'MZ systemd-boot' at lib/systemd/boot/efi/systemd-bootx64.efi.
    for (const f of ['efi/EFI/Boot/BOOTX64.EFI', 'efi/EFI/systemd/systemd-bootx64.efi'])
      assert.equal(readFileSync(join(s.root, f), 'utf8'), 'MZ systemd-boot', f);
    // mod.rs:105-114: loader.conf under the boot root, which is XBOOTLDR when there is one (mod.rs:46-52).
    assert.equal(readFileSync(join(s.root, 'boot/loader/loader.conf'), 'utf8'), 'default "onix*"\n');
    assert.equal(existsSync(join(s.root, 'efi/loader')), false, 'nothing but the boot loader on the ESP');
    assert.deepEqual(readdirSync(join(s.root, 'efi/EFI')).sort(), ['Boot', 'systemd']);
    assert.ok(existsSync(join(p.boot, 'EFI/onix/6.1.0-test/vmlinuz')), 'kernels on XBOOTLDR, EFI/<namespace>/<version> (mod.rs:63-68)');
  } finally {
    s.dispose();
  }
});

test('no boot loader in the new state, no boot sync at all: no entries, no ESP files (os-tools moss/src/client/boot.rs:180-188)', () => {
  const s = scratchRoot();
  try {
    const kernelOnly = addStone(s.repo, { name: 'kernel-only' }, { 'lib/os-release': 'NAME=ONIX\nID=onix\n', 'lib/kernel/6.1.0-test/vmlinuz': 'kernel' });
    installStones(s.root, s.repo, [kernelOnly], { summary: 'Install', created: 1_700_000_000 });
    const entries = join(s.root, 'boot/loader/entries');
    assert.ok(!existsSync(entries) || readdirSync(entries).length === 0);
    assert.equal(existsSync(join(s.root, 'efi/EFI')), false);
  } finally {
    s.dispose();
  }
});

test('blit mode: write bits stripped, special bits kept; a hardlinked asset takes the union of modes (os-tools moss/src/fstree/native.rs:353, 383-386, 426-430)', () => {
  // native.rs:353 `item.layout.mode & !0o222` (the file-type bits go with from_bits_truncate).
  assert.equal(blitMode(0o104755), 0o4555);
  assert.equal(blitMode(0o100644), 0o444);
  // native.rs:426 `(existing_mode | blit_mode) & !0o222`.
  assert.equal(hardlinkMode(0o644, 0o104755), 0o4555);
  assert.equal(hardlinkMode(0o4555, 0o100644), 0o4555, 'a later entry never takes the setuid bit away');
  assert.equal(hardlinkMode(0o444, 0o100755), 0o555);
});

test('a setuid entry is blitted setuid, on the shared asset inode (native.rs:409-433)', () => {
  const s = scratchRoot();
  const dir = mkdtempSync(join(tmpdir(), 'moss-tree-'));
  try {
    const { base } = baseStones(s.repo);
    writeFileSync(join(dir, 'su-helper'), 'ELF su helper\n');
    chmodSync(join(dir, 'su-helper'), 0o4755);
    const suid = s.repo.addFromTree({ name: 'suid', version: '1', release: 1, summary: 'suid' }, dir);
    installStones(s.root, s.repo, [base, suid], { summary: 'Install', created: 1_700_000_000 });
    const st = statSync(join(s.root, 'usr/su-helper'));
    assert.equal(st.mode & 0o7777, 0o4555);
    assert.ok(st.nlink > 1, 'a hard link to the store asset, not a private copy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    s.dispose();
  }
});
