import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../../generator/site/build/build.ts';
import { lastCommitDates } from '../../../generator/site/model/git-dates.ts';
import { page, read, tempSite } from '../helpers.ts';

function git(dir: string, args: string[], date: string): void {
  execFileSync('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
    stdio: 'ignore',
  });
}

test('last-updated dates come from the last commit touching each page', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'one'), 'content/b.md': page('B', 'two'), 'other.txt': 'x' });
  git(dir, ['init', '-q', '-b', 'main'], '2026-01-01T00:00:00Z');
  git(dir, ['add', '.'], '2026-01-01T00:00:00Z');
  git(dir, ['commit', '-q', '-m', 'first'], '2026-01-02T12:00:00Z');
  await writeFile(join(dir, 'content/b.md'), page('B', 'changed'));
  git(dir, ['commit', '-q', '-am', 'second'], '2026-03-04T23:30:00Z');
  await writeFile(join(dir, 'content/new.md'), page('New', 'not committed'));

  const dates = await lastCommitDates(join(dir, 'content'));
  assert.deepEqual(Object.fromEntries(dates), { 'b.md': '2026-03-04', 'index.md': '2026-01-02' });

  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), cacheDir: null, rootDir: dir });
  assert.match(await read(join(dir, 'dist'), 'b/index.html'), /Last updated <time datetime="2026-03-04">2026-03-04<\/time>/);
  assert.doesNotMatch(await read(join(dir, 'dist'), 'new/index.html'), /Last updated/);
  assert.match(await read(join(dir, 'dist'), 'sitemap.xml'), /<loc>https:\/\/onix-os\.com\/b\/<\/loc><lastmod>2026-03-04<\/lastmod>/);
});

test('outside git there are no dates and no error', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'one') });
  assert.equal((await lastCommitDates(join(dir, 'content'))).size, 0);
});

test('a page whose last commit moved is rendered again, not copied from the build cache', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'one'), 'content/b.md': page('B', 'two') });
  git(dir, ['init', '-q', '-b', 'main'], '2026-01-01T00:00:00Z');
  git(dir, ['add', '.'], '2026-01-01T00:00:00Z');
  git(dir, ['commit', '-q', '-m', 'first'], '2026-01-02T12:00:00Z');
  const opts = { contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), cacheDir: join(dir, 'cache'), rootDir: dir };
  await buildSite(opts);
  // Same text, new date: only the commit moved.
  git(dir, ['commit', '-q', '--amend', '--no-edit', '--date', '2026-05-06T12:00:00Z'], '2026-05-06T12:00:00Z');
  const again = await buildSite(opts);
  assert.deepEqual(again.rendered, { rendered: 2, cached: 0 });
  assert.match(await read(join(dir, 'dist'), 'b/index.html'), /Last updated <time datetime="2026-05-06">/);
  assert.deepEqual((await buildSite(opts)).rendered, { rendered: 0, cached: 2 });
});
