// A srcset holds several URLs, and hast-util-sanitize checks none of them: the raw HTML
// check refuses a scheme outside the image schemes in any candidate, and the body's last
// pass drops such a srcset if anything else ever let one through.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Element, Root } from 'hast';
import { checkRawHtml } from '../../../generator/site/render/raw-html.ts';
import { sanitizeBody } from '../../../generator/site/render/sanitize-body.ts';
import { srcsetUrls } from '../../../generator/site/render/sanitize-schema.ts';

function problems(html: string): string[] {
  const found: string[] = [];
  checkRawHtml({ type: 'html', value: html, position: { start: { line: 3, column: 1 }, end: { line: 3, column: 1 } } }, (line, message) =>
    found.push(`${line}: ${message}`),
  );
  return found;
}

function sources(html: string): Element[] {
  const tree = sanitizeBody({ type: 'root', children: [{ type: 'raw', value: html }] } as Root);
  const out: Element[] = [];
  const walk = (n: Root | Element): void => {
    for (const c of n.children)
      if (c.type === 'element') {
        if (c.tagName === 'source') out.push(c);
        else walk(c);
      }
  };
  walk(tree);
  return out;
}

test('srcsetUrls reads each candidate URL without its descriptors', () => {
  assert.deepEqual(srcsetUrls('a.png 1x, https://x.test/b.png 2x,c.png'), ['a.png', 'https://x.test/b.png', 'c.png']);
  assert.deepEqual(srcsetUrls(['a.png 480w', ' b.png   800w']), ['a.png', 'b.png']);
});

test('raw HTML: a srcset candidate with a javascript: or data: URL is a problem on its line', () => {
  assert.deepEqual(problems('<picture><source srcset="a.png 1x, b.png 2x"><img src="a.png"></picture>'), []);
  const js = problems('<picture><source srcset="a.png 1x, javascript:alert(1) 2x"><img src="a.png"></picture>');
  assert.equal(js.length, 1);
  assert.match(js[0]!, /^3: raw HTML <source srcset> scheme "javascript:" is not allowed/);
  assert.match(problems('<picture><source srcset="data:image/png;base64,AAAA"></picture>')[0] ?? '', /scheme "data:"/);
});

test('the body keeps a srcset of allowed URLs and drops one with a javascript: candidate', () => {
  const kept = sources('<picture><source srcset="a.png 1x, https://x.test/b.png 2x"><img src="a.png" alt=""></picture>');
  assert.deepEqual(srcsetUrls(kept[0]?.properties.srcSet), ['a.png', 'https://x.test/b.png']);
  const dropped = sources('<picture><source srcset="javascript:alert(1)"><img src="a.png" alt=""></picture>');
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]!.properties.srcSet, undefined);
});
