// npm run build holds a reused report against the image the target would boot now: a report
// from another image (an image input changed, or it was pruned) is verified again, on the
// real test image in the sandbox, and the new report names the image it ran on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { page, tempSite } from './helpers.ts';

const repo = join(import.meta.dirname, '../..');
const runBuild = (cwd: string) => spawnSync(process.execPath, [join(repo, 'generator/bin/build.js'), '--target', 'sandbox'], { cwd, encoding: 'utf8' });

test('npm run build: a green report from another image is not reused; the new one is, while the image stays', { timeout: 900_000 }, async () => {
  const dir = await tempSite({
    'content/index.md': page('Home', '## Musl\n\n```console\n$ ls /usr/lib/ld-musl-x86_64.so.1\n/usr/lib/ld-musl-x86_64.so.1\n```'),
  });
  const first = runBuild(dir);
  assert.equal(first.status, 0, first.stderr + first.stdout);
  const reportFile = join(dir, '.spec/report.json');
  const ran = JSON.parse(readFileSync(reportFile, 'utf8')) as SpecReport;
  assert.match(ran.machine.imageId ?? '', /^[0-9a-f]{20}$/);

  const again = runBuild(dir);
  assert.equal(again.status, 0, again.stderr + again.stdout);
  assert.match(again.stdout, new RegExp(`^spec: reusing the green report from sandbox \\(.*, image ${ran.machine.imageId}, `));

  writeFileSync(reportFile, JSON.stringify({ ...ran, machine: { ...ran.machine, imageId: '0123456789abcdef0123' } }));
  const other = runBuild(dir);
  assert.equal(other.status, 0, other.stderr + other.stdout);
  assert.match(
    other.stdout,
    new RegExp(
      `^spec: not reusing the last report: the test image changed since the spec ran \\(image 0123456789ab then, ${ran.machine.imageId!.slice(0, 12)} now\\)\\nspec: verifying 1 pages on target sandbox`,
    ),
  );
  assert.equal((JSON.parse(readFileSync(reportFile, 'utf8')) as SpecReport).machine.imageId, ran.machine.imageId);
});
