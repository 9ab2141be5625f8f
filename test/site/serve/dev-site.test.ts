import assert from 'node:assert/strict';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DevSite } from '../../../generator/site/serve/dev-site.ts';
import { page, tempSite } from '../helpers.ts';

async function devSite() {
  const dir = await tempSite({
    'content/index.md': page('Home', 'See [the guide](guide.md#setup).', 'order: 0\n'),
    'content/guide.md': page('Guide', '## Setup\n\ntext', 'order: 1\n'),
  });
  const content = join(dir, 'content');
  const dev = await DevSite.start({ contentDir: content, cacheDir: null, reportDir: join(dir, '.spec') });
  return { dev, content };
}

test('a saved page is re-rendered; other pages keep their HTML unless the nav changed', async () => {
  const { dev, content } = await devSite();
  try {
    const home = dev.pageHtml('/')!;
    assert.doesNotMatch(home, /site-search/, 'no search index in the dev server, so no search box');
    assert.match(home, /<a class="pager-next" href="\/guide\/" rel="next">/);
    assert.match(dev.pageHtml('/guide/')!, /<h2 id="setup">/);
    await writeFile(join(content, 'guide.md'), page('Guide', '## Setup\n\nnew words here', 'order: 1\n'));
    const r = await dev.fileChanged(join(content, 'guide.md'));
    assert.equal(r.url, '/guide/');
    assert.equal(r.navChanged, false);
    assert.deepEqual(r.problems, []);
    assert.ok(r.ms > 0);
    assert.match(dev.pageHtml('/guide/')!, /new words here/);
    assert.equal(dev.pageHtml('/'), home, 'home untouched');

    await writeFile(join(content, 'guide.md'), page('Handbook', '## Setup\n\nx', 'order: 1\n'));
    const renamed = await dev.fileChanged(join(content, 'guide.md'));
    assert.equal(renamed.navChanged, true);
    assert.match(dev.pageHtml('/')!, /<a href="\/guide\/">Handbook<\/a>/);
  } finally {
    await dev.close();
  }
});

test('mistakes are reported with file and line and the site keeps serving; fixing clears them', async () => {
  const { dev, content } = await devSite();
  try {
    // Removing the anchor another page links to breaks that page's link.
    await writeFile(join(content, 'guide.md'), page('Guide', '## Renamed\n\ntext', 'order: 1\n'));
    let r = await dev.fileChanged(join(content, 'guide.md'));
    assert.equal(r.problems.length, 1);
    assert.match(`${r.problems[0]!.file}:${r.problems[0]!.line}: ${r.problems[0]!.message}`, /content\/index\.md:6: broken anchor "guide\.md#setup"/);

    // A page that does not parse: reported, and the rest of the site still serves.
    await writeFile(join(content, 'guide.md'), '---\ntitle: [oops\n---\n');
    r = await dev.fileChanged(join(content, 'guide.md'));
    assert.ok(r.problems.some((p) => /content\/guide\.md$/.test(p.file) && p.line === 1 && /bad front matter/.test(p.message)));
    assert.ok(r.problems.some((p) => /broken link "guide\.md#setup": no page at \/guide\//.test(p.message)));
    assert.match(dev.pageHtml('/')!, /<h1>Home<\/h1>/);
    assert.equal(dev.pageHtml('/guide/'), null);

    await writeFile(join(content, 'guide.md'), page('Guide', '## Setup\n\nback', 'order: 1\n'));
    r = await dev.fileChanged(join(content, 'guide.md'));
    assert.deepEqual(r.problems, []);
    assert.match(dev.pageHtml('/guide/')!, /back/);

    await unlink(join(content, 'guide.md'));
    r = await dev.fileChanged(join(content, 'guide.md'));
    assert.equal(r.url, null);
    assert.equal(r.navChanged, true);
    assert.equal(r.problems.length, 1, 'the link from home is now broken');
  } finally {
    await dev.close();
  }
});
