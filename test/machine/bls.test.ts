import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseEntry, parseEntry } from '../../onix/machine/bls.ts';
import { loaderDefault } from '../../onix/planes/boot-entries.ts';

test('loader.conf default picks the named entry, else the highest by version', () => {
  const names = ['onix-9.conf', 'onix-10.conf', 'onix-11.conf', 'README'];
  assert.equal(chooseEntry('timeout 0\ndefault onix-10.conf\n', names), 'onix-10.conf');
  assert.equal(chooseEntry('default onix-9\n', names), 'onix-9.conf');
  assert.equal(chooseEntry('default onix-*\n', names), 'onix-11.conf');
  assert.equal(chooseEntry(null, names), 'onix-11.conf');
  assert.equal(chooseEntry('default gone.conf\n', names), 'onix-11.conf');
  assert.throws(() => chooseEntry(null, ['README']));
  assert.equal(loaderDefault('# comment\ndefault   onix-3.conf  \n'), 'onix-3.conf');
});

test('entries give /boot-relative kernel, initrds and options', () => {
  const e = parseEntry(
    'onix-12.conf',
    'title ONIX (state 12)\nversion 6.1.0\nlinux /onix/6.1.0/vmlinuz\ninitrd /onix/6.1.0/initrd\noptions root=/dev/vda rw console=ttyS0 quiet moss.fstx=12\n',
  );
  assert.deepEqual(e, {
    name: 'onix-12.conf',
    linux: '/boot/onix/6.1.0/vmlinuz',
    initrd: ['/boot/onix/6.1.0/initrd'],
    options: 'root=/dev/vda rw console=ttyS0 quiet moss.fstx=12',
  });
  assert.throws(() => parseEntry('bad.conf', 'title no kernel\n'), /no linux line/);
});
