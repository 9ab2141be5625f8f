// The real content/: builds without problems, carries every sentence of the seed copy of
// onix-os.com, and keeps the shapes the spec runner relies on.

import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../generator/site/build/build.ts';
import { loadContent } from '../../generator/content/load.ts';

/** The text of onix-os.com as it was before this repository (the user's seed copy). */
const seedFile = join(import.meta.dirname, 'fixtures/seed.txt');
/**
 * Seed lines the site deliberately replaced: the old website section (a Rust generator and
 * `just`), and the transcript output, which is now executable and shows what the machine prints.
 */
const replaced = new Set([
  'The Rust generator emits plain files to dist/. GitHub Actions publishes that directory to gh-pages with CNAME set to onix-os.com.',
  'nix develop',
  'just build',
  'just serve',
  'active fstx: 6649-a17c',
  'boot entry: onix-6649-a17c.conf',
  'nix daemon: healthy',
  'etc drift: 2 local overrides',
  'opengl: coherent',
  'plane: machine',
  '/nix: untouched',
]);

function textOf(html: string): string {
  return html
    .replace(/<\/?(code|a|span|em|strong)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x26;/g, '&')
    .replace(/&#x3C;/g, '<')
    .replace(/\s+/g, ' ');
}

test('content/ builds and carries every sentence of the seed', async () => {
  const seed = await readFile(seedFile, 'utf8');
  const out = await mkdtemp(join(tmpdir(), 'onix-content-'));
  const result = await buildSite({ outDir: out, cacheDir: null, gitDates: false });
  assert.ok(result.pages >= 6);
  const texts: string[] = [];
  for (const f of result.files.filter((x) => x.endsWith('.html'))) texts.push(textOf(await readFile(join(out, f), 'utf8')));
  const all = texts.join(' ');
  const lines = seed
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const line of lines) {
    if (replaced.has(line)) continue;
    // Table rows in the seed are split over lines ("/usr |", "moss | reason |"): check cells.
    const cells = line.includes('|')
      ? line
          .split('|')
          .map((c) => c.trim())
          .filter((c) => c && !/^-+$/.test(c))
      : [line];
    for (const cell of cells) assert.ok(all.includes(cell.replace(/\s+/g, ' ')), `seed text missing from the site: ${cell}`);
  }
  assert.ok(all.includes('A TypeScript generator in this repository emits plain files to dist/'));
});

test('the contract table and transcripts keep the shapes the spec runner reads', async () => {
  const pages = await loadContent('content');
  const contract = pages.find((p) => p.file === 'content/contract.md')!;
  const marker = contract.tree.children.findIndex((n) => n.type === 'html' && n.value.trim() === '<!-- spec: contract -->');
  assert.ok(marker >= 0, 'contract marker');
  const table = contract.tree.children[marker + 1]!;
  assert.equal(table.type, 'table');
  const cli = pages.find((p) => p.file === 'content/cli.md')!;
  const blocks = cli.tree.children.filter((n) => n.type === 'code');
  const firstLines = blocks.map((b) => (b.type === 'code' ? `${b.lang} ${b.value.split('\n')[0]}` : ''));
  assert.equal(firstLines[0], 'console $ onix status');
  assert.ok(firstLines.includes('console $ onix rollback'), firstLines.join('\n'));
});
