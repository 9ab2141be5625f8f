// The image's bundles of onix, moss and onix-agent: made by esbuild once per change of their
// inputs, and linked from the checkout's kept copy on every other image check.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleEntryPoints, bundleFile, ENTRY_POINTS } from '../../onix/image/recipes/onix-cli.ts';

test('bundles are made once and then linked from the kept copy while their inputs are unchanged', async () => {
  const work = mkdtempSync(join(tmpdir(), 'onix-bundles-'));
  const kept = join(work, 'kept');
  const dir = (name: string) => {
    mkdirSync(join(work, name));
    return join(work, name);
  };
  const names = Object.keys(ENTRY_POINTS);
  const first = dir('first');
  assert.deepEqual(await bundleEntryPoints(first, kept), names);
  const inputs = JSON.parse(readFileSync(join(kept, `${bundleFile('onix')}.inputs.json`), 'utf8')) as { inputs: [string, number, number][] };
  const paths = inputs.inputs.map(([p]) => p);
  for (const p of ['onix/cli/main.ts', 'onix/image/recipes/onix-cli.ts', 'node_modules/esbuild/package.json']) assert.ok(paths.includes(p), `${p} is an input`);

  const second = dir('second');
  assert.deepEqual(await bundleEntryPoints(second, kept), names);
  for (const n of names) {
    assert.equal(statSync(join(second, bundleFile(n))).ino, statSync(join(kept, bundleFile(n))).ino, `${n}: linked, not made again`);
    assert.deepEqual(readFileSync(join(second, bundleFile(n))), readFileSync(join(first, bundleFile(n))));
  }

  // An input that is not as recorded (here: the record is changed) makes the bundle again.
  inputs.inputs[0][1] -= 1000;
  writeFileSync(join(kept, `${bundleFile('onix')}.inputs.json`), JSON.stringify(inputs));
  const third = dir('third');
  await bundleEntryPoints(third, kept);
  assert.notEqual(statSync(join(third, bundleFile('onix'))).ino, statSync(join(kept, bundleFile('onix'))).ino, 'onix: made again');
  assert.deepEqual(readFileSync(join(third, bundleFile('onix'))), readFileSync(join(first, bundleFile('onix'))));
  assert.equal(statSync(join(third, bundleFile('moss'))).ino, statSync(join(kept, bundleFile('moss'))).ino, 'moss: still linked');

  // Without a kept copy every bundle is made.
  const fourth = dir('fourth');
  await bundleEntryPoints(fourth);
  assert.deepEqual(readFileSync(join(fourth, bundleFile('moss'))), readFileSync(join(first, bundleFile('moss'))));
});
