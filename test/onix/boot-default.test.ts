// loader.conf's default as systemd-boot resolves it (systemd src/boot/boot.c: entries
// without sort-key ordered by id with strverscmp, highest first; the first match of the
// `default` pattern boots). moss/blsforme writes `default "<os-id>*"`
// (blsforme bootloader/systemd_boot/mod.rs:113) and entries `<os-id>-<kver>-<fstx>.conf`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootOrder, resolveDefault, versionCompare } from '../../onix/planes/boot-default.ts';
import { chooseEntry } from '../../onix/machine/bls.ts';

test('a quoted glob picks the highest matching entry in version order, 10 after 9', () => {
  const names = ['onix-6.1.0-50-amd64-9.conf', 'onix-6.1.0-50-amd64-10.conf', 'other-1.conf'];
  assert.equal(resolveDefault('"onix*"', names), 'onix-6.1.0-50-amd64-10.conf');
  assert.equal(chooseEntry('default "onix*"\n', names), 'onix-6.1.0-50-amd64-10.conf');
  assert.equal(resolveDefault('other-1.conf', names), 'other-1.conf');
  assert.equal(resolveDefault(null, names), 'other-1.conf', 'no default: the first entry in menu order');
  assert.equal(resolveDefault('"nothing*"', []), undefined);
});

test('the kernel version outranks the state id: a newer kernel of an older state sorts first', () => {
  const names = ['onix-6.1.0-49-amd64-13.conf', 'onix-6.1.0-50-amd64-12.conf'];
  assert.deepEqual(bootOrder(names), ['onix-6.1.0-50-amd64-12.conf', 'onix-6.1.0-49-amd64-13.conf']);
  assert.ok(versionCompare('a-10', 'a-9') > 0);
  assert.ok(versionCompare('a-9', 'a-10') < 0);
});
