// The probe pages of issue 19: every construct that could put script in front of a reader is
// a build error naming its line (in the build and in the dev server alike), and the raw HTML
// GitHub allows renders instead of being dropped. Titles, descriptions and code stay escaped.

import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Element, Nodes } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { buildSite, BuildError } from '../../../generator/site/build/build.ts';
import { DevSite } from '../../../generator/site/serve/dev-site.ts';
import { read, tempSite } from '../helpers.ts';

const probeDir = new URL('../fixtures/probe/', import.meta.url);

async function probeSite(name: string): Promise<{ dir: string; content: string; text: string }> {
  const dir = await tempSite({});
  const content = join(dir, 'content');
  await cp(new URL(name, probeDir), join(content, 'index.md'));
  return { dir, content, text: await readFile(new URL(name, probeDir), 'utf8') };
}

/** Every `tag` element of a document, as a browser would parse it. */
function elements(html: string, tag: string): Element[] {
  const found: Element[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'element' && n.tagName === tag) found.push(n);
    if ('children' in n) n.children.forEach(walk);
  };
  walk(fromHtml(html));
  return found;
}

const scripts = (html: string): Element[] => elements(html, 'script');

/** 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `probe has no line with ${needle}`);
  return i + 1;
}

/** Each dangerous construct of dangerous.md and the error its line must get. */
const dangerous: Array<[needle: string, message: RegExp]> = [
  ['[click](javascript:', /^link URL scheme "javascript:" is not allowed/],
  ['[data](data:', /^link URL scheme "data:" is not allowed/],
  ['![img](javascript:', /^image URL scheme "javascript:" is not allowed/],
  ['[tab in scheme]', /^link URL scheme "java\\u0009script:" is not allowed/],
  ['[upper case]', /^link URL scheme "JAVASCRIPT:" is not allowed \(use http, https, mailto in lower case/],
  ['<javascript:alert(5)>', /^link URL scheme "javascript:"/],
  ['[reference][evil]', /^link URL scheme "javascript:"/],
  ["<script>alert('script')", /^raw HTML <script> is not allowed$/],
  ['<iframe', /^raw HTML <iframe> is not allowed$/],
  ['onerror=', /^raw HTML attribute onerror on <img> is not allowed$/],
  ['<a href="javascript:', /^raw HTML <a href> scheme "javascript:" is not allowed/],
  ['faked verified badge', /^raw HTML attribute class on <div> is not allowed$/],
  ['<p style=', /^raw HTML attribute style on <p> is not allowed$/],
  ['<svg>', /^raw HTML <svg> is not allowed$/],
  ['<form', /^raw HTML <form> is not allowed$/],
  ['<!DOCTYPE', /^raw HTML <!\.\.\.> is not allowed/],
  ['![data image]', /^image URL scheme "data:" is not allowed \(use http, https in lower case/],
  ['vbscript:', /^raw HTML <img src> scheme "vbscript:" is not allowed/],
  ['<td>stray', /^raw HTML <td> outside a <table> is not allowed$/],
];

test('probe: every dangerous construct is a build error naming its line, in the build and the dev server', async () => {
  const { dir, content, text } = await probeSite('dangerous.md');
  const error = await buildSite({ contentDir: content, outDir: join(dir, 'dist'), cacheDir: null, gitDates: false }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof BuildError, `the build must fail, got ${String(error)}`);
  for (const line of error.message.split('\n')) assert.match(line, /^\S+:\d+: [^\n]+$/, 'one file:line line per problem');
  for (const [needle, message] of dangerous) {
    const line = lineOf(text, needle);
    assert.ok(
      error.problems.some((p) => p.line === line && message.test(p.message)),
      `line ${line} (${needle}): expected ${message}, got:\n${error.message}`,
    );
  }
  // Nothing else: no construct is reported twice, and no line is blamed that has none.
  const blamed = new Set(error.problems.map((p) => p.line));
  assert.deepEqual(
    [...blamed].sort((a, b) => a - b),
    dangerous.map(([n]) => lineOf(text, n)).sort((a, b) => a - b),
  );
  // <form> holds an <input type="text"> on the same line: both reported.
  assert.ok(error.problems.some((p) => p.line === lineOf(text, '<form') && /^raw HTML <input> is not allowed$/.test(p.message)));

  const dev = await DevSite.start({ contentDir: content, cacheDir: null, reportDir: join(dir, '.spec') });
  try {
    assert.deepEqual(
      dev.allProblems().map((p) => `${p.line}: ${p.message}`),
      error.problems.map((p) => `${p.line}: ${p.message}`),
    );
  } finally {
    await dev.close();
  }
});

test('probe: raw HTML that GitHub allows renders; titles, descriptions and code stay escaped', async () => {
  const { dir, content } = await probeSite('allowed.md');
  const out = join(dir, 'dist');
  await buildSite({ contentDir: content, outDir: out, cacheDir: null, gitDates: false });
  const html = await read(out, 'index.html');
  assert.match(html, /<h2 id="heading-with-tag">Heading with <b>tag<\/b><a class="anchor" href="#heading-with-tag"/);
  assert.match(
    html,
    /<details>\s*<summary>More<\/summary>\s*<p>Hidden <em>text<\/em> with <kbd>Ctrl<\/kbd>\+<kbd>C<\/kbd>, H<sub>2<\/sub>O and x<sup>2<\/sup>.<\/p>\s*<\/details>/,
  );
  assert.match(html, /<dl><dt>Term<\/dt><dd>Definition<\/dd><\/dl>/);
  assert.match(html, /<a href="https:\/\/example.com" title="external">raw link<\/a> and <img src="\/assets\/logo.svg" alt="logo" width="20">/);
  assert.match(html, /<a href="mailto:a@example.com">mail<\/a> <a href="\/#heading-with-tag">anchor<\/a>/);
  assert.doesNotMatch(html, /a comment, as the spec/, 'comments are not published');
  // Escaped: the description in meta tags and the lead, code spans, code blocks.
  assert.match(html, /<meta name="description" content="A description with <angle brackets> &#x26; &#x22;quotes&#x22;">/);
  assert.match(html, /<code>&#x3C;script>alert\('inline code'\)&#x3C;\/script><\/code>/);
  assert.match(html, /&#x3C;<span class="tk-string-expression">script<\/span>>/);
  assert.doesNotMatch(html, /onix-block-/, 'every highlighted block took the place of its mark');
  // The layout's two scripts are the only ones.
  assert.equal(scripts(html).length, 2);
});

test('a title made of markup is text: in <title>, <h1> and the meta tags', async () => {
  const dir = await tempSite({
    'content/index.md': `---\ntitle: "</title><script>alert(1)</script>"\ndescription: "\\"><img src=x onerror=alert(2)>"\n---\n\ntext\n`,
  });
  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), cacheDir: null, gitDates: false });
  const html = await read(join(dir, 'dist'), 'index.html');
  assert.match(html, /<title>ONIX: &#x3C;\/title>&#x3C;script>alert\(1\)&#x3C;\/script><\/title>/);
  assert.match(html, /<h1>&#x3C;\/title>&#x3C;script>alert\(1\)&#x3C;\/script><\/h1>/);
  assert.match(html, /<meta name="description" content="&#x22;><img src=x onerror=alert\(2\)>">/);
  assert.equal(scripts(html).length, 2);
  assert.deepEqual(
    elements(html, 'img').map((e) => e.properties.src),
    ['/assets/logo.svg'],
    'the only image is the logo',
  );
});
