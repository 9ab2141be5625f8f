// The code cache that starts the onix bin, `npm run spec` and the image's commands:
// a cache written ahead (writeEagerCodeCache) is accepted by V8 in a fresh process,
// a #! line in a bundle is no syntax error, a damaged cache is rejected and the bundle
// still runs, and a launcher told not to write leaves the folder as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const codeCache = resolve(import.meta.dirname, '../../onix/bin/code-cache.js');
const dir = mkdtempSync(join(tmpdir(), 'onix-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bundle = join(dir, 'app.cjs');
writeFileSync(
  bundle,
  "#!/usr/bin/env node\n'use strict';\nfunction later(n) { return n * 2; }\nconsole.log('ran', later(21), require('node:path').basename(__filename));\n",
);

function launch(writeCache: boolean) {
  const script = `require(${JSON.stringify(codeCache)}).runWithCodeCache(${JSON.stringify(bundle)}, module, { packagesFrom: ${JSON.stringify(dir)}, writeCache: ${writeCache} })`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ONIX_CODE_CACHE_REPORT: '1' } });
}

test('without a cache and told not to write one, the bundle runs and nothing is written', () => {
  const r = launch(false);
  assert.equal(r.stdout, 'ran 42 app.cjs\n');
  assert.equal(r.stderr, 'code cache: none\n');
  assert.equal(existsSync(`${bundle}.v8cache`), false);
});

test('a cache written ahead is used by a fresh process, which writes nothing', () => {
  const w = spawnSync(process.execPath, ['-e', 'require(process.argv[1]).writeEagerCodeCache(process.argv[2])', codeCache, bundle], { encoding: 'utf8' });
  assert.equal(w.status, 0, w.stderr);
  const r = launch(false);
  assert.equal(r.stdout, 'ran 42 app.cjs\n');
  assert.equal(r.stderr, 'code cache: used\n');
});

test('a damaged cache is rejected, the bundle still runs, and a writing launcher replaces it', () => {
  writeFileSync(`${bundle}.v8cache`, Buffer.alloc(64, 7));
  const r = launch(true);
  assert.equal(r.stdout, 'ran 42 app.cjs\n');
  assert.equal(r.stderr, 'code cache: rejected\n');
  assert.equal(launch(false).stderr, 'code cache: used\n');
});
