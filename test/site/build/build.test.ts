import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { loadContent } from '../../../generator/content/load.ts';
import { BuildError, buildSite } from '../../../generator/site/build/build.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

const basic = {
  'content/index.md': page('Home', 'Welcome. See [the guide](guide.md#second-part) and [abs](/guide/).\n\n## One\n\ntext', 'order: 0\nkicker: a kicker line\n'),
  'content/guide.md': page(
    'Guide',
    [
      '## First part',
      'Is a < b & "c"? Raw <kbd>HTML</kbd> that GitHub allows is kept.',
      '## Second part',
      '```nix\n{ pkgs }: pkgs.hello\n```',
      '### Detail',
      '```console\n$ echo hi\nhi\n```',
      '<!-- spec: contract -->\n\n| Surface | Owner | Reason |\n|---|---|---|\n| `/usr` | moss | payload |',
    ].join('\n\n'),
    'order: 1\ndescription: The guide.\nnav: The guide\n',
  ),
  'content/notes/extra.md': page('Extra', 'Back [home](../index.md).'),
  CNAME: 'example.org\n',
};

async function build(files: Record<string, string>) {
  const dir = await tempSite(files);
  const result = await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), rootDir: dir, cacheDir: null });
  return { dir, out: join(dir, 'dist'), result };
}

test('builds pages, 404, sitemap, robots, .nojekyll, CNAME and assets', async () => {
  const { out, result } = await build(basic);
  assert.equal(result.pages, 3);
  for (const f of [
    'index.html',
    'guide/index.html',
    'notes/extra/index.html',
    '404.html',
    'sitemap.xml',
    'robots.txt',
    '.nojekyll',
    'CNAME',
    'favicon.svg',
    'favicon-32.png',
    'apple-touch-icon.png',
    'assets/logo.svg',
    'og/index.png',
    'og/guide.png',
    'og/notes/extra.png',
    'pagefind/pagefind.js',
  ]) {
    assert.ok(result.files.includes(f), `missing ${f}`);
  }
  assert.equal(await read(out, 'CNAME'), 'example.org\n');
  const sitemap = await read(out, 'sitemap.xml');
  assert.match(sitemap, /<loc>https:\/\/onix-os\.com\/guide\/<\/loc>/);
  assert.match(await read(out, 'robots.txt'), /Sitemap: https:\/\/onix-os\.com\/sitemap\.xml/);
  assert.ok(result.files.some((f) => /^assets\/style\.[0-9a-f]{10}\.css$/.test(f)));
});

test('pages carry meta, nav with the current page, anchors, TOC only on long pages, rewritten links', async () => {
  const { out } = await build(basic);
  const guide = await read(out, 'guide/index.html');
  assert.match(guide, /<title>Guide · ONIX<\/title>/);
  assert.match(guide, /<link rel="canonical" href="https:\/\/onix-os\.com\/guide\/">/);
  assert.match(guide, /<meta property="og:description" content="The guide\.">/);
  assert.match(guide, /<meta name="twitter:card" content="summary_large_image">/);
  assert.match(guide, /<meta property="og:image" content="https:\/\/onix-os\.com\/og\/guide\.png">/);
  assert.match(guide, /<link rel="apple-touch-icon" href="\/apple-touch-icon\.png">/);
  assert.match(guide, /<article class="content" data-pagefind-body="">/);
  // Previous/next follow the nav: Home (order 0), then the guide (order 1).
  assert.match(guide, /<nav class="pager" aria-label="Previous and next page"><a class="pager-prev" href="\/" rel="prev">.*Home.*<\/a><\/nav>/);
  assert.doesNotMatch(guide, /pager-next/);
  assert.match(await read(out, 'index.html'), /<a class="pager-next" href="\/guide\/" rel="next">.*The guide/);
  assert.doesNotMatch(await read(out, 'notes/extra/index.html'), /class="pager"/, 'a page not in the nav has no pager');
  const notFound = await read(out, '404.html');
  assert.match(notFound, /<meta name="robots" content="noindex">/);
  assert.doesNotMatch(notFound, /rel="canonical"|og:url|data-pagefind-body/);
  assert.equal(
    notFound.slice(notFound.indexOf('<body')).split('There is no page at this address.').length - 1,
    1,
    'the 404 text once (the lead), not again in the body',
  );
  assert.match(guide, /<a href="\/guide\/" aria-current="page">The guide<\/a>/);
  assert.match(guide, /<a href="\/">Home<\/a>/);
  assert.doesNotMatch(guide, /notes\/extra/, 'a page without order is not in the nav');
  assert.match(guide, /<h2 id="second-part">Second part<a class="anchor" href="#second-part"/);
  assert.match(guide, /<nav class="toc"/);
  assert.match(guide, /href="https:\/\/github\.com\/onix-os\/onix-os\.com\/edit\/main\/content\/guide\.md"/);
  const home = await read(out, 'index.html');
  assert.doesNotMatch(home, /<nav class="toc"/, 'one heading: no TOC');
  assert.match(home, /<a href="\/guide\/#second-part">the guide<\/a>/);
  assert.match(home, /<p class="kicker">a kicker line<\/p>/);
  assert.match(await read(out, 'notes/extra/index.html'), /<a href="\/">home<\/a>/);
});

test('escapes text, hides the contract marker, highlights code and renders transcripts', async () => {
  const { out } = await build(basic);
  const guide = await read(out, 'guide/index.html');
  assert.match(guide, /Is a &#x3C; b &#x26; "c"\? Raw <kbd>HTML<\/kbd> that GitHub allows is kept\./);
  assert.doesNotMatch(guide, /spec: contract/);
  assert.match(guide, /<div class="table-scroll contract" tabindex="0" role="region" aria-label="Table: Surface, Owner, Reason"><table>/);
  assert.match(guide, /<code class="language-nix"><span class="line">.*<span class="tk-/);
  assert.match(
    guide,
    /<span class="line cmd"><span class="prompt">\$ <\/span><span class="command">.*echo.*<\/span><\/span>\n<span class="line out">hi<\/span>/,
  );
  assert.match(guide, /data-block="[^"]*content\/guide\.md:\d+" data-status="not-run"/);
  assert.doesNotMatch(guide, /prism|shiki|<script[^>]*(prism|shiki)/i, 'no highlighter in the browser');
});

test('two builds of the same content are byte-identical', async () => {
  const dir = await tempSite(basic);
  const a = { out: join(dir, 'dist-a') };
  const b = { out: join(dir, 'dist-b') };
  await buildSite({ contentDir: join(dir, 'content'), outDir: a.out, rootDir: dir, cacheDir: null });
  await buildSite({ contentDir: join(dir, 'content'), outDir: b.out, rootDir: dir, cacheDir: join(dir, 'cache') });
  await buildSite({ contentDir: join(dir, 'content'), outDir: b.out, rootDir: dir, cacheDir: join(dir, 'cache') });
  const files = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
    return out.sort();
  };
  const fa = await files(a.out);
  assert.deepEqual(fa, await files(b.out));
  for (const f of fa) assert.equal(await readFile(join(b.out, f), 'utf8'), await readFile(join(a.out, f), 'utf8'), `${f} differs`);
});

test('pages handed in parsed (the parse the spec ran) are built as they are: none parsed again, the same bytes', async () => {
  const dir = await tempSite(basic);
  const opts = { contentDir: join(dir, 'content'), rootDir: dir, cacheDir: null, gitDates: false };
  const read = await buildSite({ ...opts, outDir: join(dir, 'read') });
  const pages = await loadContent(join(dir, 'content'));
  const given = await buildSite({ ...opts, pages, outDir: join(dir, 'given') });
  assert.deepEqual(
    [read.parsed, given.parsed],
    [
      { parsed: 3, cached: 0 },
      { parsed: 0, cached: 3 },
    ],
  );
  assert.deepEqual(given.files, read.files);
  for (const f of read.files) assert.ok((await readFile(join(dir, 'read', f))).equals(await readFile(join(dir, 'given', f))), f);
});

async function problemsOf(files: Record<string, string>): Promise<string[]> {
  try {
    await build(files);
  } catch (error) {
    assert.ok(error instanceof BuildError, String(error));
    return error.message.split('\n').map((l) => l.replace(/^.*?content\//, 'content/'));
  }
  assert.fail('build did not fail');
}

test('build fails naming file and line: broken link, broken anchor', async () => {
  const problems = await problemsOf({
    'content/index.md': page('Home', 'Intro\n\nA [gone](nowhere.md) link.\n\nAn [anchor](other.md#nope).\n\n[ok](other.md#real)'),
    'content/other.md': page('Other', '## Real'),
  });
  assert.deepEqual(problems, [
    'content/index.md:7: broken link "nowhere.md": no page at /nowhere/',
    `content/index.md:9: broken anchor "other.md#nope": ${problems[1]!.split(': ')[2]!.split(' has')[0]} has no heading with id "nope"`,
  ]);
  assert.match(problems[1]!, /content\/other\.md has no heading with id "nope"$/);
});

test('build fails naming file and line: no title, one URL for two pages, unknown language', async () => {
  const problems = await problemsOf({
    'content/index.md': page(null, 'No title here.'),
    'content/a.md': page('A', 'text'),
    'content/a/index.md': page('A again', 'text\n\n```klingon\nqapla\n```'),
  });
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.match(problems[0]!, /^content\/a\/index\.md:1: URL \/a\/ is also the URL of .*content\/a\.md$/);
  assert.match(problems[1]!, /^content\/a\/index\.md:7: code block in unknown language "klingon"/);
  assert.match(problems[2]!, /^content\/index\.md:1: page has no title/);
});

test('a build error leaves the previous dist/ in place', async () => {
  const { dir, out } = await build(basic);
  const before = await read(out, 'index.html');
  await assert.rejects(buildSite({ contentDir: join(dir, 'nope-missing'), outDir: out, cacheDir: null }));
  const broken = await tempSite({ 'content/index.md': page(null, 'x') });
  await assert.rejects(buildSite({ contentDir: join(broken, 'content'), outDir: out, cacheDir: null }), BuildError);
  assert.equal(await read(out, 'index.html'), before);
});

test('the build cache: a warm build in a new process parses and renders nothing and writes the same bytes', async () => {
  const dir = await tempSite(basic);
  const opts = { contentDir: join(dir, 'content'), rootDir: dir, cacheDir: join(dir, 'cache'), gitDates: false };
  const cold = await buildSite({ ...opts, outDir: join(dir, 'cold') });
  assert.deepEqual(
    [cold.parsed, cold.rendered],
    [
      { parsed: 3, cached: 0 },
      { rendered: 3, cached: 0 },
    ],
  );
  assert.ok(cold.highlighted.tokenized > 0);
  // Only the disk cache carries over to a new process: run the warm build in one.
  const { spawnSync } = await import('node:child_process');
  const { pathToFileURL } = await import('node:url');
  const script = `import { buildSite } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '../../../generator/site/build/build.ts')).href)};
const r = await buildSite(${JSON.stringify({ ...opts, outDir: join(dir, 'warm') })});
console.log(JSON.stringify([r.parsed, r.rendered, r.highlighted, r.cards, r.search]));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: join(import.meta.dirname, '../../..'),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [
    { parsed: 0, cached: 3 },
    { rendered: 0, cached: 3 },
    { tokenized: 0, cached: 0 },
    { rendered: 0, cached: 5 },
    'cached',
  ]);
  for (const f of cold.files) assert.ok((await readFile(join(dir, 'cold', f))).equals(await readFile(join(dir, 'warm', f))), f);
});

test('the build cache serves nothing stale: an edit, a nav label, a date, a spec report', async () => {
  const dir = await tempSite(basic);
  const opts = { contentDir: join(dir, 'content'), rootDir: dir, cacheDir: join(dir, 'cache'), gitDates: false, outDir: join(dir, 'dist') };
  const fresh = async (label: string) => {
    const cached = await buildSite(opts);
    const files = new Map<string, Buffer>();
    for (const f of cached.files) files.set(f, await readFile(join(dir, 'dist', f)));
    const uncached = await buildSite({ ...opts, cacheDir: null, outDir: join(dir, 'check') });
    for (const f of uncached.files) assert.ok(files.get(f)?.equals(await readFile(join(dir, 'check', f))), `${label}: ${f}`);
    return cached;
  };
  await fresh('cold');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'content/notes/extra.md'), page('Extra', 'Back [home](../index.md), edited.'));
  const edit = await fresh('edit');
  assert.deepEqual(edit.rendered, { rendered: 1, cached: 2 });
  await writeFile(join(dir, 'content/guide.md'), basic['content/guide.md'].replace('nav: The guide', 'nav: Guide'));
  const nav = await fresh('nav label');
  assert.deepEqual(nav.rendered, { rendered: 3, cached: 0 }, 'every page shows the nav');
  assert.equal(nav.parsed.parsed, 3, 'the facts of the others are cached, but a page rendered again is parsed again');
  const report = specReport({
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-02T00:00:00.000Z',
    machine: { target: 'vm', imageId: null, fstx: '7', host: 'qemu' },
    pages: [],
    cases: [],
    totals: { passed: 0, failed: 0, skipped: 0, errors: 0 },
  });
  const withReport = await buildSite({ ...opts, report });
  assert.deepEqual(withReport.rendered, { rendered: 1, cached: 2 }, 'only the page with a transcript shows results');
});

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(data: Buffer): [number, number] {
  assert.ok(data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'PNG signature');
  assert.equal(data.subarray(12, 16).toString('latin1'), 'IHDR');
  return [data.readUInt32BE(16), data.readUInt32BE(20)];
}

test('social cards: a 1200x630 PNG per page, 180 px touch icon, 32 px favicon; a title edit redraws only its card', async () => {
  const dir = await tempSite(basic);
  const opts = { contentDir: join(dir, 'content'), rootDir: dir, cacheDir: join(dir, 'cache'), gitDates: false, outDir: join(dir, 'dist') };
  const first = await buildSite(opts);
  // Three pages, the run page and the test machine page.
  assert.deepEqual(first.cards, { rendered: 5, cached: 0 });
  for (const f of ['og/index.png', 'og/guide.png', 'og/notes/extra.png', 'og/spec.png', 'og/test-machine.png'])
    assert.deepEqual(pngSize(await readFile(join(dir, 'dist', f))), [1200, 630], f);
  assert.deepEqual(pngSize(await readFile(join(dir, 'dist/apple-touch-icon.png'))), [180, 180]);
  assert.deepEqual(pngSize(await readFile(join(dir, 'dist/favicon-32.png'))), [32, 32]);
  const guideCard = await readFile(join(dir, 'dist/og/guide.png'));
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'content/guide.md'), basic['content/guide.md'].replace('title: Guide', 'title: Guide to ONIX'));
  const second = await buildSite(opts);
  assert.deepEqual(second.cards, { rendered: 1, cached: 4 });
  assert.equal(second.search, 'indexed', 'a changed page is indexed again');
  assert.ok(!(await readFile(join(dir, 'dist/og/guide.png'))).equals(guideCard), 'the new title is drawn');
});

test('search index: Pagefind indexes the pages (not the 404 page), deterministically', async () => {
  const { out } = await build(basic);
  const entry = JSON.parse(await read(out, 'pagefind/pagefind-entry.json')) as { languages: Record<string, { page_count: number }> };
  assert.deepEqual(
    Object.values(entry.languages).map((l) => l.page_count),
    [3],
  );
  const again = await build(basic);
  const list = async (d: string) => (await readdir(d, { recursive: true })).sort();
  assert.deepEqual(await list(join(again.out, 'pagefind')), await list(join(out, 'pagefind')));
  for (const f of await list(join(out, 'pagefind'))) {
    if (f.includes('.')) assert.ok((await readFile(join(out, 'pagefind', f))).equals(await readFile(join(again.out, 'pagefind', f))), f);
  }
});

test("a warm build reuses the old dist/'s og/ and pagefind/ only when they hold exactly the cached files", async () => {
  const { stat, writeFile: write, unlink } = await import('node:fs/promises');
  const dir = await tempSite(basic);
  const out = join(dir, 'dist');
  const opts = { contentDir: join(dir, 'content'), rootDir: dir, cacheDir: join(dir, 'cache'), gitDates: false, outDir: out };
  await buildSite(opts);
  const inode = async (f: string) => (await stat(join(out, f))).ino;
  const before = [await inode('og'), await inode('pagefind'), await inode('og/guide.png')];
  await buildSite(opts);
  assert.deepEqual([await inode('og'), await inode('pagefind'), await inode('og/guide.png')], before, 'the folders moved over');
  // Anything else in them (a stray file, a missing one) and they are written anew.
  await write(join(out, 'og/stray.png'), 'x');
  await unlink(join(out, 'pagefind/pagefind.js'));
  const third = await buildSite(opts);
  assert.notEqual(await inode('og'), before[0]);
  assert.ok(!third.files.includes('og/stray.png'));
  await assert.rejects(stat(join(out, 'og/stray.png')));
  assert.ok((await stat(join(out, 'pagefind/pagefind.js'))).isFile());
  assert.deepEqual([third.cards, third.search], [{ rendered: 0, cached: 5 }, 'cached']);
});
