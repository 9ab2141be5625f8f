// The site's own contract table, checked with the real `onix owner` (onix/cli) on the local
// target, reading an ONIX root the moss stand-in made (test/onix/fixture), not the host: the
// setuid row walks the whole root, and this Debian host's own files (setuid programs in other
// tests' temporary roots, the image cache) say nothing about ONIX.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildFixtureRoot } from '../onix/fixture/build.ts';
import { ROOT, run, tempDir } from './helpers.ts';

describe('content/contract.md against onix owner', () => {
  it('every row of the contract table agrees with `onix owner`', async () => {
    const dir = tempDir();
    const root = join(dir, 'root');
    buildFixtureRoot(root);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'onix'), `#!/bin/sh\nexec ${join(ROOT, 'node_modules/.bin/tsx')} ${join(ROOT, 'onix/cli/main.ts')} --root ${root} "$@"\n`);
    chmodSync(join(bin, 'onix'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const r = await run(['content/contract.md'], { jobs: 1 });
      const contract = r.outcomes.find((o) => o.spec.kind === 'contract');
      assert.ok(contract, 'content/contract.md holds the marked contract table');
      assert.deepEqual(
        contract.blocks.filter((b) => b.status !== 'passed').map((b) => `${b.block.id}: ${b.message}\n${b.diff}`),
        [],
      );
      assert.ok(contract.blocks.length >= 6);
    } finally {
      process.env.PATH = path;
    }
  });
});
