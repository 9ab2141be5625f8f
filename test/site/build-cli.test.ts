import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { verifierHash } from '../../generator/spec/verifier.ts';
import { page, specReport, tempSite } from './helpers.ts';

const repo = join(import.meta.dirname, '../..');
// What `npm run build` runs, from a temp dir (without node_modules) as the cwd.
const buildCli = join(repo, 'generator/bin/build.js');

function runBuild(cwd: string, args: string[] = []) {
  return spawnSync(process.execPath, [buildCli, ...args], { cwd, encoding: 'utf8' });
}

test('npm run build: one line per problem, non-zero exit, no stack trace', async () => {
  const dir = await tempSite({ 'content/index.md': page(null, 'A [gone](gone.md) link.\n\n```klingon\nx\n```') });
  const r = runBuild(dir);
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr,
    [
      'content/index.md:1: page has no title (add `title:` to the front matter)',
      'content/index.md:4: broken link "gone.md": no page at /gone/',
      `content/index.md:6: code block in unknown language "klingon" (known: ${r.stderr.split('(known: ')[1]!.split(')')[0]})`,
      'build failed: 3 problems',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(join(dir, 'dist')), false);
});

test('npm run build: a good site builds into dist/', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.'), CNAME: 'onix-os.com\n' });
  const r = runBuild(dir, ['--no-verify']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^built 1 pages \(\d+ files\) into dist\/ in \d+ ms/);
  assert.ok(existsSync(join(dir, 'dist/index.html')));
  assert.ok(existsSync(join(dir, 'dist/CNAME')));
  assert.ok(existsSync(join(dir, 'dist/.nojekyll')));
});

test('npm run build: a front matter mistake names the file and line', async () => {
  const dir = await tempSite({ 'content/index.md': '---\ntitle: [unclosed\n---\n\nx\n' });
  const r = runBuild(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^content\/index\.md:1: bad front matter: /);
});

test('npm run build: an unreadable spec report is one clear line', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.'), '.spec/report.json': '{ not json' });
  const r = runBuild(dir, ['--no-verify']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build failed: .*\.spec\/report\.json: not a spec report \(invalid JSON\)\n$/);
});

test('npm run build: verifies the spec first; a red spec writes no dist/, a green one is shown on the page', async () => {
  const transcript = (out: string) => page('Home', `## Greeting\n\n\`\`\`console\n$ echo hello\n${out}\n\`\`\``);
  const red = await tempSite({ 'content/index.md': transcript('goodbye') });
  const r1 = runBuild(red, ['--target', 'local']);
  assert.equal(r1.status, 1, r1.stdout);
  assert.match(r1.stdout, /^spec: verifying 1 pages on target local\n/);
  assert.match(r1.stderr, /^build failed: the spec is red on local \(see above\); dist\/ was not written\n$/);
  assert.equal(existsSync(join(red, 'dist')), false);

  const green = await tempSite({ 'content/index.md': transcript('hello') });
  const r2 = runBuild(green, ['--target', 'local']);
  assert.equal(r2.status, 0, r2.stderr + r2.stdout);
  assert.match(r2.stdout, /1 passed, 0 failed, 0 errors\nbuilt 1 pages/);
  assert.match(readFileSync(join(green, 'dist/index.html'), 'utf8'), /class="spec-status spec-passed"[^>]*>passed on <a[^>]*>the build host \(local target\)/);
});

test('npm run build: reuses a green report only when this code ran it; else says why and verifies again', async () => {
  const source = page('Home', '## Greeting\n\n```console\n$ echo hello\nhello\n```');
  // An ssh target boots no image of ours, so the code is what decides here (the image is checked in the VM's own test).
  const target = 'ssh://nobody@127.0.0.1:1';
  const block = { id: 'content/index.md:7', file: 'content/index.md', line: 7, kind: 'transcript' as const, status: 'passed' as const };
  const report = (verifier: string) =>
    specReport({
      machine: { target, imageId: null, fstx: '2', host: `ssh ${target}` },
      verifier,
      pages: [{ file: 'content/index.md', contentHash: createHash('sha256').update(source).digest('hex') }],
      cases: [
        {
          id: 'content/index.md:5',
          file: 'content/index.md',
          line: 5,
          title: 'Greeting',
          status: 'passed',
          durationMs: 1,
          reboots: 0,
          artifacts: [],
          blocks: [
            {
              ...block,
              commands: [{ line: 8, command: 'echo hello', stdout: 'hello\n', stderr: '', status: 0, durationMs: 1 }],
              captures: {},
              diff: '',
              durationMs: 1,
            },
          ],
        },
      ],
      totals: { passed: 1, failed: 0, skipped: 0, errors: 0 },
    });
  const same = await tempSite({ 'content/index.md': source, '.spec/report.json': JSON.stringify(report(verifierHash())) });
  const r1 = runBuild(same, ['--target', target]);
  assert.equal(r1.status, 0, r1.stderr + r1.stdout);
  assert.match(r1.stdout, /^spec: reusing the green report from ssh:\/\/nobody@127\.0\.0\.1:1 /);

  const other = await tempSite({ 'content/index.md': source, '.spec/report.json': JSON.stringify(report('ab'.repeat(32))) });
  const r2 = runBuild(other, ['--target', target]);
  assert.match(
    r2.stdout,
    /^spec: not reusing the last report: the code that runs the spec changed since it ran \(verifier abababababab then, [0-9a-f]{12} now\)\nspec: verifying 1 pages on target ssh:\/\/nobody@127\.0\.0\.1:1\n/,
  );
  assert.equal(r2.status, 1, 'nothing listens there: the new run cannot pass');
  assert.equal(existsSync(join(other, 'dist')), false);
});
