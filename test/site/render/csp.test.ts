// Every page's Content-Security-Policy: first in <head>, before any script; the inline scripts
// it carries are exactly the ones its hashes allow (so an edit of the theme bootstrap cannot
// leave a stale hash); the directives the search and the sanitiser rely on are there.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Element, Nodes } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import { buildSite } from '../../../generator/site/build/build.ts';
import { contentSecurityPolicy, withStyleNonce } from '../../../generator/site/render/csp.ts';
import { page, read, tempSite } from '../helpers.ts';

function headOf(html: string): Element[] {
  const found: Element[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'element' && n.tagName === 'head') found.push(...n.children.filter((c): c is Element => c.type === 'element'));
    if ('children' in n) n.children.forEach(walk);
  };
  walk(fromHtml(html));
  return found;
}

test('every page and the 404 page carry the policy before any script, with a hash for each inline script', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hi [a](a.md)'), 'content/a.md': page('A', '## One\n\ntext') });
  const out = join(dir, 'dist');
  await buildSite({ contentDir: join(dir, 'content'), outDir: out, cacheDir: null, gitDates: false });
  for (const file of ['index.html', 'a/index.html', '404.html']) {
    const head = headOf(await read(out, file));
    const metaAt = head.findIndex((e) => e.tagName === 'meta' && e.properties.httpEquiv?.toString() === 'Content-Security-Policy');
    const firstScript = head.findIndex((e) => e.tagName === 'script');
    assert.ok(metaAt >= 0, `${file}: no policy`);
    assert.ok(firstScript > metaAt, `${file}: the policy comes before the first script`);
    const policy = String(head[metaAt]!.properties.content);
    const inline = head
      .filter((e) => e.tagName === 'script' && !e.properties.src)
      .map((e) => e.children.map((c) => (c.type === 'text' ? c.value : '')).join(''));
    assert.ok(inline.length >= 1, 'the theme bootstrap is inline');
    const hashes = [...policy.matchAll(/'sha256-([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(
      hashes,
      inline.map((text) => createHash('sha256').update(text).digest('base64')),
      `${file}: one hash per inline script, of its exact bytes`,
    );
    const directives = new Map(policy.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    assert.deepEqual(directives.get('object-src'), ["'none'"]);
    assert.deepEqual(directives.get('base-uri'), ["'self'"]);
    assert.equal(directives.get('script-src')?.[0], "'self'");
    assert.ok(directives.get('script-src')?.includes("'wasm-unsafe-eval'"), 'the search compiles WebAssembly');
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:'])
      assert.ok(!directives.get('script-src')?.includes(unsafe), `no ${unsafe} for scripts`);
    assert.ok(!directives.has('frame-ancestors'), 'ignored (with a console warning) in a <meta> policy');
  }
});

test("the dev server adds a style nonce for Vite's overlay and changes nothing else", () => {
  const policy = contentSecurityPolicy({ inlineScripts: ['x()'] });
  const html = `<head><meta http-equiv="Content-Security-Policy" content="${policy.replace(/'/g, '&#x27;')}"></head>`;
  const dev = withStyleNonce(html, 'abc123');
  const devPolicy = String(headOf(dev)[0]!.properties.content);
  assert.equal(devPolicy, contentSecurityPolicy({ inlineScripts: ['x()'], styleNonce: 'abc123' }));
  assert.match(dev, /<meta property="csp-nonce" nonce="abc123">/);
});
