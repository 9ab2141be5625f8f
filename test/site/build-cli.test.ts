import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { page, tempSite } from './helpers.ts';

const repo = join(import.meta.dirname, '../..');
const buildCli = join(repo, 'generator/cli/build.ts');
// The tsx loader by absolute URL: the build runs in a temp dir without node_modules.
const tsxLoader = pathToFileURL(join(repo, 'node_modules/tsx/dist/loader.mjs')).href;

function runBuild(cwd: string) {
  return spawnSync(process.execPath, ['--import', tsxLoader, buildCli], { cwd, encoding: 'utf8' });
}

test('npm run build: one line per problem, non-zero exit, no stack trace', async () => {
  const dir = await tempSite({ 'content/index.md': page(null, 'A [gone](gone.md) link.\n\n```klingon\nx\n```') });
  const r = runBuild(dir);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, [
    'content/index.md:1: page has no title (add `title:` to the front matter)',
    'content/index.md:4: broken link "gone.md": no page at /gone/',
    `content/index.md:6: code block in unknown language "klingon" (known: ${r.stderr.split('(known: ')[1]!.split(')')[0]})`,
    'build failed: 3 problems',
    '',
  ].join('\n'));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(join(dir, 'dist')), false);
});

test('npm run build: a good site builds into dist/', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.'), CNAME: 'onix-os.com\n' });
  const r = runBuild(dir);
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
  const r = runBuild(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^build failed: .*\.spec\/report\.json: not a spec report \(invalid JSON\)\n$/);
});
