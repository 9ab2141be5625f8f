import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../../generator/site/build/build.ts';
import { loadPage } from '../../../generator/content/load.ts';
import { loadReport } from '../../../generator/spec/report.ts';
import type { BlockReport } from '../../../generator/spec/report-types.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

const body = [
  '## Status',
  '```console\n$ onix status\nactive fstx: {{fstx}}\nboot: [..]\n[1]\n```',
  '## Later',
  '```console\n$ cat /usr/.stateID\n{{fstx}}\n$ echo {{other}}\n```',
  '## Images',
  '![GL before](spec-artifact:case-4/glprobe-before.png)\n\n![GL after](spec-artifact:case-4/missing.png)',
].join('\n\n');

function block(id: string, line: number, status: BlockReport['status'], captures: Record<string, string>): BlockReport {
  return { id, file: id.split(':')[0]!, line, kind: 'transcript', status, commands: [], captures, diff: '', durationMs: 5 };
}

async function fixture(edit = false) {
  const dir = await tempSite({ 'content/cli.md': page('CLI', body) });
  const file = join(dir, 'content/cli.md');
  const parsed = await loadPage(file);
  const [first, second] = parsed.tree.children.filter((n) => n.type === 'code').map((n) => n.position!.start.line);
  const heading = parsed.tree.children.find((n) => n.type === 'heading')!.position!.start.line;
  const report = specReport({
    startedAt: '2026-11-20T10:00:00Z',
    finishedAt: '2026-11-20T10:05:00Z',
    machine: { target: 'vm', imageId: 'abc', fstx: '12', host: 'qemu tcg' },
    pages: [{ file: parsed.file, contentHash: edit ? 'old-hash' : parsed.contentHash }],
    cases: [
      {
        id: `${parsed.file}:${heading}`,
        file: parsed.file,
        line: heading,
        title: 'Status',
        status: 'failed',
        durationMs: 10,
        reboots: 0,
        artifacts: ['case-4/glprobe-before.png'],
        blocks: [block(`${parsed.file}:${first}`, first!, 'passed', { fstx: '6649-a17c' }), block(`${parsed.file}:${second}`, second!, 'failed', {})],
      },
    ],
    totals: { passed: 1, failed: 1, skipped: 0, errors: 0 },
  });
  const reportDir = join(dir, '.spec');
  await mkdir(join(reportDir, 'case-4'), { recursive: true });
  await writeFile(join(reportDir, 'report.json'), JSON.stringify(report));
  await writeFile(join(reportDir, 'case-4/glprobe-before.png'), 'not really a png');
  const out = join(dir, 'dist');
  const result = await buildSite({
    contentDir: join(dir, 'content'),
    outDir: out,
    report: await loadReport(reportDir),
    reportDir,
    cacheDir: null,
    rootDir: dir,
  });
  return { html: await read(out, 'cli/index.html'), out, result };
}

test('a block without observed output shows the expected text, the legend and no badge; captures show observed values', async () => {
  const { html } = await fixture();
  const figures = html.split('<figure class="code-block').slice(1);
  assert.equal(figures.length, 2);
  assert.match(figures[0]!, /data-status="passed"/);
  assert.doesNotMatch(figures[0]!, /spec-status/, 'the case line under the heading says it; no badge per block');
  assert.match(figures[0]!, /active fstx: <span class="capture" title="fstx, as observed on the ONIX test VM">6649-a17c<\/span>/);
  assert.match(figures[0]!, /boot: <span class="matcher">\[\.\.\]<\/span>/);
  assert.match(figures[0]!, /<span class="line out exit">\[1\]<\/span>/);
  assert.match(
    figures[0]!,
    /<p class="transcript-legend">.*<code>\[\.\.\]<\/code>: any text within the line.*<code>\[N\]<\/code>: the command exits with status N/,
  );
  assert.match(figures[1]!, /data-status="failed"/);
  assert.match(figures[1]!, /<span class="spec-status spec-failed">failed<\/span>/);
  // A capture bound in an earlier block of the case; one never observed is a placeholder.
  assert.match(figures[1]!, /<span class="capture"[^>]*>6649-a17c<\/span>/);
  assert.match(figures[1]!, /<span class="capture placeholder" title="other: observed when the spec runs">other<\/span>/);
  assert.match(
    html,
    /<h2 id="status">Status<a[^>]*>#<\/a><\/h2>\s*<p class="case-result spec-failed"><span class="spec-status spec-failed">failed on <a href="\/test-machine\/">the ONIX test VM<\/a> · image abc · 2026-11-20 · 10 ms<\/span>/,
  );
  assert.match(
    html,
    /<div class="spec-summary spec-failed"><p><span class="spec-status spec-failed"><strong>0 of 1 procedure passed · 1 of 2 transcripts passed<\/strong>/,
  );
  assert.match(html, /<a href="\/spec\/">see the run<\/a>/);
});

test('report artifacts are copied and shown; missing ones show a placeholder', async () => {
  const { html, out, result } = await fixture();
  assert.match(html, /<img class="spec-artifact" src="\/spec-artifacts\/case-4\/glprobe-before\.png" alt="GL before" loading="lazy">/);
  assert.match(html, /<span class="spec-artifact-missing" role="img" aria-label="GL after">GL after \(appears after the spec runs\)<\/span>/);
  assert.ok(result.files.includes('spec-artifacts/case-4/glprobe-before.png'));
  assert.equal(await read(out, 'spec-artifacts/case-4/glprobe-before.png'), 'not really a png');
});

test('a report for an older version of the page marks its blocks not run', async () => {
  const { html } = await fixture(true);
  assert.equal((html.match(/data-status="not-run"/g) ?? []).length, 2);
  assert.match(html, /not run: page changed since the last spec run/);
  assert.match(html, /<strong>Not verified<\/strong>: page changed since the last spec run/);
  assert.match(html, /<span class="capture placeholder"[^>]*>fstx<\/span>/);
});

test('contract rows show their results, and a note sums them up', async () => {
  const source = page(
    'Contract',
    '<!-- spec: contract -->\n\n| Surface | Owner | Reason |\n|---|---|---|\n| `/usr` | moss | payload |\n| `/nix` | Nix | store |\n\n| A | B |\n|---|---|\n| plain | table |',
  );
  const dir = await tempSite({ 'content/contract.md': source });
  const parsed = await loadPage(join(dir, 'content/contract.md'));
  const table = parsed.tree.children.find((n) => n.type === 'table')!;
  const [usr, nix] = table.type === 'table' ? table.children.slice(1).map((r) => r.position!.start.line) : [];
  const row = (line: number, status: BlockReport['status']): BlockReport => ({ ...block(`${parsed.file}:${line}`, line, status, {}), kind: 'contract-row' });
  const report = specReport({
    startedAt: '2026-11-21T10:00:00Z',
    finishedAt: '2026-11-21T10:01:00Z',
    machine: { target: 'sandbox', imageId: 'x', fstx: '3', host: 'ns' },
    pages: [{ file: parsed.file, contentHash: parsed.contentHash }],
    cases: [
      {
        id: `${parsed.file}:1`,
        file: parsed.file,
        line: 1,
        title: 'contract',
        status: 'failed',
        durationMs: 1,
        reboots: 0,
        artifacts: [],
        blocks: [row(usr!, 'passed'), row(nix!, 'failed')],
      },
    ],
    totals: { passed: 1, failed: 1, skipped: 0, errors: 0 },
  });
  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), report, cacheDir: null, rootDir: dir });
  const html = await read(join(dir, 'dist'), 'contract/index.html');
  assert.match(
    html,
    /<tr class="spec-row spec-passed" data-status="passed" title="passed on the ONIX test sandbox \(a namespace, no kernel of its own\), 2026-11-21">\n<td><code>\/usr<\/code>/,
  );
  assert.match(html, /<tr class="spec-row spec-failed" data-status="failed"[^>]*>\n<td><code>\/nix<\/code>/);
  assert.match(html, /1 of 2 rows verified on the ONIX test sandbox \(a namespace, no kernel of its own\), 2026-11-21; 1 failed/);
  assert.equal((html.match(/spec-row/g) ?? []).length, 2, 'the unmarked table gets no marks');
  assert.doesNotMatch(html, /spec: contract/);
});
