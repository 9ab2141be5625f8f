// onix update: moss sync from the root's local stone repository makes a new
// state; onix reports it measured, with the reboot pending.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoneRepository } from '../../onix/moss/index.ts';
import { cleanup, lines, makeRoot, mossBinDir, onix, tempDir } from './helpers.ts';

const MOSS = join(mossBinDir(), 'moss');

describe('onix update', () => {
  after(cleanup);

  it('syncs a newer Mesa into a new state and says a reboot is pending', () => {
    const fx = makeRoot();
    const none = onix(['--root', fx.root, '--moss', MOSS, 'update']);
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(lines(none.stdout), [
      'plane:       none',
      '/nix:        untouched',
      'fstx:        3 (unchanged)',
      'boot entry:  onix-6.1.0-28-amd64-3.conf (default)',
      'reboot:      not needed',
    ]);
    const tree = tempDir();
    mkdirSync(join(tree, 'lib/x86_64-linux-gnu'), { recursive: true });
    writeFileSync(join(tree, 'lib/x86_64-linux-gnu/libEGL_mesa.so.0'), 'ELF mesa 25.0.8 libEGL_mesa\n');
    StoneRepository.open(join(fx.root, '.moss/repo/local')).addFromTree({ name: 'mesa', version: '25.0.8', release: 3, summary: 'mesa 25.0.8' }, tree);
    const r = onix(['--root', fx.root, '--moss', MOSS, 'update']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      'plane:       machine',
      '/nix:        untouched',
      'fstx:        3 -> 4',
      'boot entry:  onix-6.1.0-28-amd64-4.conf (default)',
      'mesa:        25.0.7 -> 25.0.8',
      'reboot:      needed: the kernel and the graphics bridge are still those of fstx 3',
    ]);
    assert.match(onix(['--root', fx.root, 'status']).stdout, /^active fstx: 4\n/);
  });
});
