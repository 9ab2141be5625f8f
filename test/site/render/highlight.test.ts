// The build's highlighter: shiki's grammars give each token the palette class a
// reader expects (a broken grammar or engine leaves whole lines plain, which a
// "some tk- class exists" check would miss), and the cache gives the same tokens.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementContent, Root } from 'hast';
import { sanitize } from 'hast-util-sanitize';
import rehypeStringify from 'rehype-stringify';
import { unified } from 'unified';
import {
  createCodeHighlighter,
  isHighlighted,
  knownLanguages,
  tokenLinesToHast,
  tokenLinesToHtml,
  type TokenLines,
} from '../../../generator/site/render/highlight.ts';
import { siteSchema } from '../../../generator/site/render/sanitize-schema.ts';

/** The class of the token holding `text` exactly. */
function classOf(lines: TokenLines, text: string): string | undefined {
  for (const line of lines) for (const [t, cls] of line) if (t.trim() === text) return cls;
  return undefined;
}

test('tokens of each grammar get the classes of the palette', async () => {
  const h = await createCodeHighlighter();
  const sh = h.tokenize('bash .ci/setup && npm run build   # set up\necho "a $b" | grep -v x', 'sh');
  assert.equal(classOf(sh, '# set up'), 'tk-comment');
  assert.equal(classOf(sh, 'bash'), 'tk-function');
  assert.equal(classOf(sh, '"a $b"'), 'tk-string-expression');
  const nix = h.tokenize('{ pkgs ? import <nixpkgs> {} }:\npkgs.mkShell { name = "x"; } # c', 'nix');
  assert.equal(classOf(nix, '<nixpkgs>'), 'tk-string');
  assert.equal(classOf(nix, '# c'), 'tk-comment');
  const ts = h.tokenize('export const x: number = 1; // hi', 'ts');
  assert.equal(classOf(ts, 'export'), 'tk-keyword');
  assert.equal(classOf(ts, '// hi'), 'tk-comment');
  assert.equal(classOf(h.tokenize('{ "a": true }', 'json'), 'true'), 'tk-constant');
  const diff = h.tokenize('-sandbox = false\n+sandbox = true', 'diff');
  assert.equal(classOf(diff, '+sandbox = true'), 'tk-inserted');
  assert.equal(classOf(diff, '-sandbox = false'), 'tk-deleted');
  assert.equal(classOf(h.tokenize('[Unit]\nA=1 ; c', 'ini'), '; c'), 'tk-comment');
  assert.equal(classOf(h.tokenize('a: 1 # c', 'yaml'), '# c'), 'tk-comment');
  // Every line of a block comes back, text unchanged.
  const code = 'line one\n\n  line three  \n';
  for (const lang of knownLanguages) {
    if (!isHighlighted(lang)) continue;
    const lines = h.tokenize(code, lang);
    assert.equal(lines.map((l) => l.map(([t]) => t).join('')).join('\n'), code, lang);
  }
  await h.dispose();
});

test('the disk cache serves the same tokens to the next build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onix-highlight-'));
  try {
    const cacheFile = join(dir, 'highlight.json');
    const first = await createCodeHighlighter({ cacheFile });
    const tokens = first.tokenize('nix store gc # frees paths', 'sh');
    await first.dispose();
    assert.deepEqual(first.stats, { tokenized: 1, cached: 0 });
    const second = await createCodeHighlighter({ cacheFile });
    assert.deepEqual(second.tokenize('nix store gc # frees paths', 'sh'), tokens);
    assert.deepEqual(second.stats, { tokenized: 0, cached: 1 });
    await second.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a block's lines as HTML are what its hast gives through the site schema and the stringifier", async () => {
  const h = await createCodeHighlighter();
  const blocks: Array<[string, string]> = [
    ['if [ "$a" < 1 ] && echo "</code><script>alert(1)</script>"; then :; fi # &amp; <b>', 'sh'],
    ['const a = b < c && d > e; // </span> &#x3C; "\u00a0\u2028 ✓"\n\n\tlet x = `$y`;', 'ts'],
    ['{ "a": "<img src=x onerror=alert(1)>", "b": [1, 2] }', 'json'],
    ['plain <text> & more\n', 'text'],
    ['', 'nix'],
  ];
  // The renderer's own stringifier.
  const stringify = (children: ElementContent[]) =>
    unified()
      .use(rehypeStringify)
      .stringify(sanitize({ type: 'root', children }, siteSchema) as Root);
  for (const [code, lang] of blocks) {
    const lines = h.tokenize(code, lang);
    assert.equal(tokenLinesToHtml(lines), stringify(tokenLinesToHast(lines)), `${lang}: ${code}`);
  }
  // A class the palette does not make goes the hast way (the sanitiser then decides).
  assert.equal(tokenLinesToHtml([[['x', 'tk-keyword" onclick="alert(1)']]]), null);
  assert.equal(tokenLinesToHtml([[['x', 'evil']]]), null);
  await h.dispose();
});
