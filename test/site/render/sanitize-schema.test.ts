// The site schema (sanitize-schema.ts) keeps every bit of markup our own rendering adds: the
// real pages and a page with every construct (transcripts with results, captures and
// matchers, the contract table with its results, report artifacts present and missing,
// highlighted code, footnotes, task lists, aligned tables) render the same with and without
// the sanitiser. A new class or attribute in code-block.ts or render-page.ts that the
// schema does not list fails here instead of vanishing from the site.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMarkdown } from '../../../generator/content/parse.ts';
import { analyzePage } from '../../../generator/site/model/analyze.ts';
import { createCodeHighlighter } from '../../../generator/site/render/highlight.ts';
import { loadContent } from '../../../generator/content/load.ts';
import { contentSite, createPageRenderer } from '../../../generator/site/render/render-page.ts';
import { indexSpecResults } from '../../../generator/site/model/spec-results.ts';
import type { BlockReport } from '../../../generator/spec/report-types.ts';
import { tempSite, specReport } from '../helpers.ts';

const repo = join(import.meta.dirname, '../../..');

const everything = `---
title: Everything
---

## Transcripts

\`\`\`console
$ onix status
active fstx: {{fstx}}
boot: [..]
...
state \\d+ (re)
[1]
\`\`\`

\`\`\`console
$ echo {{other}} \\
> continued
out
\`\`\`

## The contract

<!-- spec: contract -->

| Surface | Owner | Reason |
|---|---|---|
| \`/usr\` | moss | payload |
| \`/nix\` | nix | store |

## Code and more

\`\`\`nix
{ pkgs }: pkgs.hello
\`\`\`

\`\`\`ts
const x: number = 1; // note
\`\`\`

\`\`\`text
plain
\`\`\`

![present](spec-artifact:case/shot.png) ![missing](spec-artifact:case/none.png) ![web](https://example.com/a.png "t")

A note[^1], [a link](#transcripts "title"), <kbd>K</kbd> and **bold**.

- [x] done
- [ ] open

| left | right |
|:--|--:|
| 1 | 2 |

[^1]: The note.
`;

function block(id: string, line: number, status: BlockReport['status'], captures: Record<string, string>): BlockReport {
  return { id, file: id.split(':')[0]!, line, kind: 'transcript', status, commands: [], captures, diff: '', durationMs: 5 };
}

/** A body without comments (the sanitiser drops them: the contract marker) or blank lines. */
const normal = (html: string): string => html.replace(/<!--[\s\S]*?-->/g, '').replace(/\n+/g, '\n');

test('the site schema keeps all of our own markup: every page renders the same with and without the sanitiser', async () => {
  const dir = await tempSite({ 'content/everything.md': everything });
  const file = 'content/everything.md';
  const page = parseMarkdown(file, everything);
  const [first, second] = page.tree.children.filter((n) => n.type === 'code').map((n) => n.position!.start.line);
  const table = page.tree.children.find((n) => n.type === 'table')!;
  const rowLine = table.children[1]!.position!.start.line;
  const report = specReport({
    startedAt: '2026-11-20T10:00:00Z',
    finishedAt: '2026-11-20T10:05:00Z',
    machine: { target: 'vm', imageId: 'abc', fstx: '12', host: 'qemu tcg' },
    pages: [{ file, contentHash: page.contentHash }],
    cases: [
      {
        id: `${file}:5`,
        file,
        line: 5,
        title: 'Transcripts',
        status: 'failed',
        durationMs: 10,
        reboots: 0,
        artifacts: ['case/shot.png'],
        blocks: [
          block(`${file}:${first}`, first!, 'passed', { fstx: '6649' }),
          block(`${file}:${second}`, second!, 'failed', {}),
          block(`${file}:${rowLine}`, rowLine, 'passed', {}),
        ],
      },
    ],
    totals: { passed: 1, failed: 1, skipped: 0, errors: 0 },
  });
  const reportDir = join(dir, '.spec');
  await mkdir(join(reportDir, 'case'), { recursive: true });
  await writeFile(join(reportDir, 'case/shot.png'), 'png');

  const highlighter = await createCodeHighlighter({});
  try {
    const results = indexSpecResults(report, reportDir);
    const site = contentSite({ highlighter, results, artifactUrl: (path) => (results.artifact(path) ? `/spec-artifacts/${path}` : null) });
    const sanitised = createPageRenderer(site);
    const bare = createPageRenderer(site, { sanitize: false });
    const pages = [analyzePage(page, 'everything.md', '/everything/')];
    for (const p of await loadContent(join(repo, 'content'))) pages.push(analyzePage(p, p.file.replace(/^.*content\//, ''), '/x/'));
    for (const s of pages) {
      assert.deepEqual(s.problems, []);
      const body = sanitised.renderBody(s);
      assert.equal(normal(body), normal(bare.renderBody(s)), `${s.file}: the sanitiser changed our markup`);
      if (s.file === file) {
        // The fixture reaches what it is for: results, captures, the contract rows, artifacts.
        for (const needle of [
          'data-status="passed"',
          'class="capture"',
          'class="matcher"',
          'class="spec-row spec-passed"',
          'src="/spec-artifacts/case/shot.png"',
          'spec-artifact-missing',
          'class="tk-',
          'id="user-content-fn-1"',
          'task-list-item',
        ]) {
          assert.ok(body.includes(needle), `the fixture renders ${needle}`);
        }
      }
    }
  } finally {
    await highlighter.dispose();
  }
});
