// The npm scripts' cached bundles (generator/bin/cached-bundle.js): an import() of a package or a
// builtin at run time works on every start, the second one too, which runs from V8's code cache
// (Node 20 drops a script's import callback when it is compiled from one).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const repo = join(import.meta.dirname, '../..');
const entry = 'test/fixtures/bundle/late-import.ts';

test('a bundle imports packages and builtins at run time, from its code cache too', () => {
  const cache = mkdtempSync(join(tmpdir(), 'onix-bundles-'));
  try {
    const run = () =>
      spawnSync(
        process.execPath,
        ['-e', `require(${JSON.stringify(join(repo, 'generator/bin/cached-bundle.js'))}).runCached('late-import', '${entry}', '${entry}')`],
        {
          cwd: repo,
          encoding: 'utf8',
          env: { ...process.env, ONIX_BUNDLE_DIR: cache },
        },
      );
    const first = run();
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, 'linux string\n');
    assert.ok(existsSync(join(cache, 'late-import/late-import.cjs.v8cache')), 'the first start kept a code cache');
    const second = run();
    assert.equal(second.stderr, '');
    assert.equal(second.stdout, 'linux string\n');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test("every npm script's launcher builds its bundle from a clean cache and starts", () => {
  const cache = mkdtempSync(join(tmpdir(), 'onix-bundles-'));
  try {
    for (const [launcher, usage] of [
      ['generator/bin/build.js', /^build failed: Unknown option '--bogus'/],
      ['generator/bin/publish.js', /^publish: Unknown option '--bogus'/],
      ['generator/bin/spec.js', /^spec: unknown option --bogus/],
      ['onix/bin/vm.js', /^vm: unknown command: --bogus/],
    ] as const) {
      const r = spawnSync(process.execPath, [join(repo, launcher), '--bogus'], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, ONIX_BUNDLE_DIR: cache },
      });
      assert.match(r.stderr, usage, `${launcher}: ${r.stderr}`);
      assert.notEqual(r.status, 0);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
