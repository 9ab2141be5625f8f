// Property test: thousands of random and hostile Markdown pages (nested raw HTML, odd and
// disguised URLs, unclosed fences and comments, huge lines, control bytes, hostile front
// matter) through the one parse, the site's analysis and render, and the spec extractor.
// For every page: nothing throws (a page with problems is never rendered by the build, so
// only there may rendering refuse), every problem is one `file:line: message` line with a
// line of the page, and the rendered document, read as a browser reads it, has no script
// but the layout's own, no event-handler attribute, no javascript:, vbscript: or data: URL,
// and no element in the content outside the site's sanitiser schema.
// PROPERTY_RUNS sets the number of pages (default: 2000); a failure prints fast-check's seed,
// path and the shrunk page, and PROPERTY_SEED=<seed> PROPERTY_PATH=<path> replays it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Element, Nodes } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { raw } from 'hast-util-raw';
import { sanitize } from 'hast-util-sanitize';
import type { Root as MdastRoot } from 'mdast';
import { toHast } from 'mdast-util-to-hast';
import { ContentError, parseMarkdown, type ParsedPage } from '../../generator/content/parse.ts';
import { analyzePage, type PageProblem } from '../../generator/site/model/analyze.ts';
import { defaultSiteConfig } from '../../generator/site/model/config.ts';
import { createCodeHighlighter } from '../../generator/site/render/highlight.ts';
import { createPageRenderer, type RenderSite } from '../../generator/site/render/render-page.ts';
import { contributorSchema, siteSchema } from '../../generator/site/render/sanitize-schema.ts';
import { indexSpecResults } from '../../generator/site/model/spec-results.ts';
import { extractPage } from '../../generator/spec/extract.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const FILE = 'content/hostile.md';

// --- The pages -------------------------------------------------------------------------

/** URLs as an attacker or a careless hand writes them, disguised every way a browser forgives. */
const url = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0001javascript:alert(1)',
      ' javascript:alert(1)',
      'javascript&#58;alert(1)',
      '&#106;avascript:alert(1)',
      'jav&#x09;ascript:alert(1)',
      'javascript%3Aalert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:image/svg+xml,<svg onload=alert(1)>',
      'https://example.com/a?b=c#d',
      'http://example.com',
      'mailto:a@example.com',
      'MAILTO:a@example.com',
      '/abs/path/',
      'rel.md#x',
      '#frag',
      '//evil.example/x',
      'spec-artifact:glprobe/22.png',
      'spec-artifact:javascript:alert(1)',
      '',
      ' ',
      'a:b',
      '?q=javascript:x',
    ),
  },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '<',
      '>',
      '&',
      '"',
      "'",
      '`',
      '\\',
      '*',
      '_',
      '[',
      ']',
      '(',
      ')',
      '{{x}}',
      '[..]',
      '&lt;script&gt;',
      '\u0000',
      '\r',
      '\u2028',
      '\ufeff',
    ),
  },
);

const tagName = fc.constantFrom(
  'script',
  'iframe',
  'img',
  'a',
  'details',
  'summary',
  'kbd',
  'b',
  'sub',
  'svg',
  'math',
  'style',
  'object',
  'embed',
  'base',
  'form',
  'input',
  'meta',
  'link',
  'div',
  'span',
  'p',
  'table',
  'td',
  'tr',
  'textarea',
  'noscript',
  'template',
  'xmp',
  'plaintext',
  'title',
  'body',
  'html',
  'frameset',
  'video',
  'source',
  'picture',
  'SCRIPT',
  'ImG',
  'x-custom',
);

const attrName = fc.constantFrom(
  'href',
  'src',
  'onerror',
  'onclick',
  'OnLoad',
  'style',
  'class',
  'id',
  'name',
  'srcset',
  'action',
  'formaction',
  'xlink:href',
  'data-x',
  'open',
  'title',
  'alt',
  'http-equiv',
  'content',
  'target',
  'rel',
  'type',
  'width',
  'onmouseover',
);

const attr = fc
  .tuple(attrName, fc.oneof(url, text), fc.constantFrom('"', "'", ''))
  .map(([name, value, q]) => (q ? `${name}=${q}${value.replaceAll(q, '')}${q}` : `${name}=${value.replace(/[\s>"'=<`]/g, '') || 'x'}`));

/** What a long line is made of: plain text, raw tags, backticks, unclosed links, table pipes, quotes. */
const HUGE_UNITS = fc.constantFrom('x', '<b>', '`', '[a](', '|', '> ', '- ', '<!--', '&#');

/** A page fragment; raw HTML nests other fragments. */
const { fragment } = fc.letrec<{ fragment: string }>((tie) => ({
  fragment: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.tuple(text, url).map(([t, u]) => `[${t}](${u})`),
    fc.tuple(text, url, text).map(([t, u, title]) => `![${t}](${u} "${title.replaceAll('"', '')}")`),
    url.map((u) => `<${u}>`),
    fc.tuple(text, url).map(([t, u]) => `[${t}][r]\n\n[r]: ${u}`),
    fc.tuple(text, url).map(([t, u]) => `![${t}][img]\n\n[img]: ${u}`),
    fc
      .tuple(tagName, fc.array(attr, { maxLength: 3 }), fc.array(tie('fragment'), { maxLength: 3 }), fc.boolean(), fc.constantFrom('', '\n', '\n\n'))
      .map(([tag, attrs, inner, close, gap]) => `<${tag}${attrs.map((a) => ` ${a}`).join('')}>${gap}${inner.join(gap)}${gap}${close ? `</${tag}>` : ''}`),
    fc
      .tuple(
        fc.constantFrom('```', '~~~', '````', '```console', '```sh', '```klingon', '``` js', '```html', '```console user=x timeout=1'),
        fc.array(text, { maxLength: 4 }),
        fc.boolean(),
      )
      .map(([open, body, close]) => `${open}\n${body.join('\n')}${close ? `\n${open.slice(0, open.search(/[^`~]|$/))}` : ''}`),
    fc
      .array(
        fc.oneof(
          text.map((t) => `$ ${t}`),
          text.map((t) => `> ${t}`),
          text,
          fc.constantFrom('...', '[1]', '[..] (re)', '{{v}}', '$'),
        ),
        { maxLength: 5 },
      )
      .map((lines) => `\`\`\`console\n${lines.join('\n')}\n\`\`\``),
    fc.tuple(fc.integer({ min: 1, max: 7 }), text).map(([n, t]) => `${'#'.repeat(n)} ${t}`),
    fc
      .tuple(fc.boolean(), fc.array(fc.tuple(text, text, text), { maxLength: 3 }))
      .map(
        ([marker, rows]) =>
          `${marker ? '<!-- spec: contract -->\n\n' : ''}| Surface | Owner | Reason |\n|---|---|---|\n${rows.map((r) => `| ${r.map((c) => c.replaceAll('|', '')).join(' | ')} |`).join('\n')}`,
      ),
    text.map((t) => `<!-- ${t} -->`),
    fc.constant('<!-- never closed'),
    fc.constant('<!DOCTYPE html>'),
    fc.constant('<![CDATA[ x ]]>'),
    fc.constant('<?php echo 1 ?>'),
    // Long lines; the huge ones are each tried once below (micromark takes seconds on some).
    fc.tuple(HUGE_UNITS, fc.integer({ min: 200, max: 3_000 })).map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length))),
    fc.array(tie('fragment'), { maxLength: 3 }).map((items) => items.map((i) => `> ${i.replace(/\n/g, '\n> ')}`).join('\n')),
    fc.array(tie('fragment'), { maxLength: 3 }).map((items) => items.map((i) => `- ${i.replace(/\n/g, '\n  ')}`).join('\n')),
  ),
}));

const frontMatter = fc.oneof(
  fc.tuple(text, text).map(([t, d]) => `---\ntitle: ${JSON.stringify(t)}\ndescription: ${JSON.stringify(d)}\n---\n`),
  fc.constant('---\ntitle: "</title><script>alert(1)</script>"\ndescription: "\\"><img src=x onerror=alert(1)>"\nkicker: "<b>k</b>"\n---\n'),
  text.map((t) => `---\n${t}\n---\n`),
  fc.constant('---\ntitle: [unclosed\n---\n'),
  fc.constant('---\n- a list\n---\n'),
  fc.constant(''),
);

const hostilePage = fc
  .tuple(frontMatter, fc.array(fragment, { maxLength: 8 }), fc.constantFrom('\n\n', '\n', '', '\r\n'))
  .map(([fm, parts, sep]) => `${fm}\n${parts.join(sep)}\n`);

// --- What must hold of every page ------------------------------------------------------

/** URL-valued attributes a browser follows, loads or submits to, as hast property names. */
const URL_PROPERTIES = [
  'href',
  'src',
  'action',
  'formAction',
  'cite',
  'data',
  'poster',
  'background',
  'longDesc',
  'srcSet',
  'xLinkHref',
  'manifest',
  'codeBase',
  'ping',
];

/** How a browser reads a URL's scheme: C0 controls and spaces trimmed, tabs and newlines removed. */
function browserScheme(value: string): string {
  const cleaned = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: leading C0 controls are what a browser trims.
    .replace(/^[\u0000-\u0020]+/, '')
    .replace(/[\t\n\r]/g, '')
    .toLowerCase();
  return /^([a-z][a-z0-9+.-]*):/.exec(cleaned)?.[1] ?? '';
}

function elements(node: Nodes, out: Element[] = []): Element[] {
  if (node.type === 'element') out.push(node);
  if ('children' in node) for (const c of node.children) elements(c, out);
  if (node.type === 'element' && node.content) elements(node.content, out);
  return out;
}

/**
 * The elements and attribute names of a tree, in order (comments are not content; the
 * sanitiser prefixes id and name values, so values are left out).
 */
function shape(node: Nodes): string[] {
  return elements(node).map((e) => `${e.tagName}[${Object.keys(e.properties).sort().join(' ')}]`);
}

/** A script element as a browser runs it: its attributes and its text. */
function scriptKey(el: Element): string {
  return JSON.stringify([el.properties, el.children.map((c) => (c.type === 'text' ? c.value : c.type))]);
}

function assertOneLine(p: { file: string; line: number; message: string }, lineCount: number): void {
  const shown = `${p.file}:${p.line}: ${p.message}`;
  assert.match(shown, /^[^\n\r]+$/, `a problem is one line: ${JSON.stringify(shown)}`);
  assert.equal(p.file, FILE);
  assert.ok(Number.isInteger(p.line) && p.line >= 1 && p.line <= lineCount, `line ${p.line} is a line of the page (1..${lineCount}): ${shown}`);
}

/** What happened to a page: refused (parse error, or problems the build stops at) or rendered. */
type Outcome = 'refused' | 'rendered';

/**
 * Runs `fn` with a check of one page source against every rule above, on a renderer made
 * once (as a build makes it); returns how many pages were refused and rendered.
 */
async function withChecker(fn: (check: (source: string) => Outcome) => Promise<void>): Promise<Record<Outcome, number>> {
  const highlighter = await createCodeHighlighter({});
  const site: RenderSite = {
    config: defaultSiteConfig,
    nav: [],
    assets: {
      css: '/assets/style.css',
      js: '/assets/site.js',
      logo: '/assets/logo.svg',
      favicon: '/favicon.svg',
      faviconPng: '/favicon-32.png',
      touchIcon: '/apple-touch-icon.png',
      search: null,
    },
    lastUpdated: () => null,
    highlighter,
    results: indexSpecResults(null),
    artifactUrl: () => null,
  };
  const renderer = createPageRenderer(site);
  // The layout's own scripts, from a page with nothing in it.
  const ownScripts = elements(fromHtml(renderer.render(analyzePage(parseMarkdown(FILE, '---\ntitle: T\n---\n'), 'hostile.md', '/hostile/'))))
    .filter((e) => e.tagName === 'script')
    .map(scriptKey);
  assert.equal(ownScripts.length, 2);
  const allowedInContent = new Set(siteSchema.tagNames);
  const counts: Record<Outcome, number> = { refused: 0, rendered: 0 };

  const check = (source: string): Outcome => {
    const lineCount = source.split(/\r\n|\r|\n/).length;
    let page: ParsedPage;
    try {
      page = parseMarkdown(FILE, source);
    } catch (error) {
      assert.ok(error instanceof ContentError, `only a ContentError may come out of the parse: ${String(error)}`);
      assertOneLine({ file: error.file, line: error.line, message: error.message.slice(`${error.file}:${error.line}: `.length) }, lineCount);
      counts.refused++;
      return 'refused';
    }

    for (const e of extractPage(page).errors) assertOneLine({ file: e.file, line: e.line, message: e.detail }, lineCount);

    const summary = analyzePage(page, 'hostile.md', '/hostile/');
    for (const p of summary.problems as PageProblem[]) assertOneLine(p, lineCount);
    if (summary.problems.length === 0) {
      // Nothing a contributor writes is silently dropped: a page the checks pass comes out of
      // GitHub's sanitiser with every element and attribute it had (raw HTML parsed as the
      // renderer parses it; the default handlers stand in for ours, which add only site markup).
      let tree: Nodes | null = null;
      try {
        tree = raw(toHast(page.tree as MdastRoot, { allowDangerousHtml: true }));
        // The renderer serves `spec-artifact:` images from /spec-artifacts/ (render-page.ts).
        for (const e of elements(tree)) if (String(e.properties.src ?? '').startsWith('spec-artifact:')) e.properties.src = '/spec-artifacts/x';
      } catch (error) {
        assert.ok(error instanceof RangeError, String(error)); // too deep for the stand-in's recursion
      }
      if (tree) assert.deepEqual(shape(sanitize(tree, contributorSchema)), shape(tree), 'the sanitiser dropped what the checks let through');
    }
    let html: string;
    try {
      html = renderer.render(summary);
    } catch (error) {
      // The build never renders a page with problems (page-store.ts), and turns a
      // ContentError from rendering into one; anything else is a crash.
      if (error instanceof ContentError)
        assertOneLine({ file: error.file, line: error.line, message: error.message.slice(`${error.file}:${error.line}: `.length) }, lineCount);
      else assert.ok(summary.problems.length > 0, `a page without problems failed to render: ${String(error)}`);
      counts.refused++;
      return 'refused';
    }

    const doc = elements(fromHtml(html));
    for (const el of doc) {
      if (el.tagName === 'script') assert.ok(ownScripts.includes(scriptKey(el)), `a script that is not ours: ${JSON.stringify(el.properties)}`);
      for (const [key, value] of Object.entries(el.properties)) {
        assert.ok(!/^on/i.test(key), `event handler ${key} on <${el.tagName}>`);
        if (!URL_PROPERTIES.includes(key)) continue;
        for (const v of Array.isArray(value) ? value : [value]) {
          const scheme = browserScheme(String(v));
          assert.ok(!['javascript', 'vbscript', 'data'].includes(scheme), `<${el.tagName} ${key}="${String(v)}">`);
        }
      }
    }
    const article = doc.find((e) => e.tagName === 'article');
    assert.ok(article, 'the page has its article');
    const header = article.children.find((c): c is Element => c.type === 'element' && c.tagName === 'header');
    for (const el of elements({ ...article, children: article.children.filter((c) => c !== header) }).slice(1)) {
      assert.ok(allowedInContent.has(el.tagName), `<${el.tagName}> in the content`);
    }
    counts.rendered++;
    return 'rendered';
  };

  try {
    await fn(check);
  } finally {
    await highlighter.dispose();
  }
  return counts;
}

test('huge lines and nesting thousands deep: each kind once, refused with one line or rendered', { timeout: 300_000 }, async () => {
  const counts = await withChecker(async (check) => {
    for (const unit of ['x', '<b>', '`', '[a](', '|', '> ', '- ', '<!--', '&#', '<details>', '*a ', '[', '\u0000']) {
      check(`---\ntitle: Huge\n---\n\n${unit.repeat(Math.ceil(12_000 / unit.length))}\n`);
    }
  });
  assert.ok(counts.refused >= 2, 'raw tags and quotes 6,000 deep are refused');
  assert.ok(counts.rendered >= 8, 'the rest renders');
});

test(`${RUNS} random and hostile pages: no crash, one line per problem, nothing executable in the output`, { timeout: 300_000 }, async () => {
  const counts = await withChecker(async (check) => {
    fc.assert(
      fc.property(hostilePage, (source) => {
        check(source);
      }),
      {
        numRuns: RUNS,
        includeErrorInReport: true,
        ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED), path: process.env.PROPERTY_PATH } : {}),
      },
    );
  });
  // The generator reaches both sides: pages that render and pages the build refuses.
  assert.ok(counts.rendered > RUNS / 10, `${counts.rendered} pages rendered`);
  assert.ok(counts.refused > RUNS / 10, `${counts.refused} pages refused`);
});
