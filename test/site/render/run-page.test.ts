// The run page (/spec/) is built from the report that gated the build: commit, machine, every
// case with its result, duration and reboots, the console log per case, the report to download.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../../generator/site/build/build.ts';
import { loadPage } from '../../../generator/content/load.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

test('the run page says which commit it proves, lists every case with its console log, and offers the report', async () => {
  const dir = await tempSite({ 'content/cli.md': page('CLI', '## Status\n\n```console\n$ onix status\nok\n```\n\n## Later\n\n```console\n$ true\n```') });
  const parsed = await loadPage(join(dir, 'content/cli.md'));
  const f = parsed.file;
  const [one, two] = parsed.tree.children.filter((n) => n.type === 'heading').map((n) => n.position!.start.line) as [number, number];
  const [b1, b2] = parsed.tree.children.filter((n) => n.type === 'code').map((n) => n.position!.start.line) as [number, number];
  const report = specReport({
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:05:00.000Z',
    machine: { target: 'vm', imageId: '0f095cb4e1aa', fstx: '2', host: 'qemu tcg' },
    commit: '6ed68e9d0c1b',
    pages: [{ file: f, contentHash: parsed.contentHash }],
    cases: [
      {
        id: `${f}:${one}`,
        file: f,
        line: one,
        title: 'Status',
        status: 'passed',
        durationMs: 24_000,
        reboots: 2,
        artifacts: [],
        consoleLog: 'console/status.log',
        blocks: [{ id: `${f}:${b1}`, file: f, line: b1, kind: 'transcript', status: 'passed', commands: [], captures: {}, diff: '', durationMs: 1 }],
      },
      {
        id: `${f}:${two}`,
        file: f,
        line: two,
        title: 'Later',
        status: 'failed',
        durationMs: 65_000,
        reboots: 0,
        artifacts: [],
        blocks: [{ id: `${f}:${b2}`, file: f, line: b2, kind: 'transcript', status: 'failed', commands: [], captures: {}, diff: '-x\n+y', durationMs: 1 }],
      },
    ],
    totals: { passed: 1, failed: 1, skipped: 0, errors: 0 },
  });
  const reportDir = join(dir, '.spec');
  await mkdir(join(reportDir, 'console'), { recursive: true });
  const log = `${Array.from({ length: 100 }, (_, i) => `[    ${i}.000] line ${i}`).join('\n')}\n`;
  await writeFile(join(reportDir, 'console/status.log'), log);
  const out = join(dir, 'dist');
  const result = await buildSite({ contentDir: join(dir, 'content'), outDir: out, report, reportDir, cacheDir: null, rootDir: dir, gitDates: false });
  const html = await read(out, 'spec/index.html');
  assert.match(html, /<dt>Commit<\/dt><dd><code>6ed68e9d0c1b<\/code> \(checked out when the spec wrote this report\)/);
  assert.match(html, /<dt>Pages<\/dt><dd>the run tested exactly the 1 page of this build/);
  assert.match(html, /<dt>Image<\/dt><dd><code>0f095cb4e1aa<\/code>/);
  assert.match(html, /1 of 2 cases passed; 1 of 2 blocks passed, 1 failed/);
  assert.match(
    html,
    /<tr class="spec-row spec-passed"><td><a href="\/cli\/#status">Status<\/a>.*<td class="wide run-result">passed<\/td><td class="wide">1 of 1<\/td><td class="wide">24 s<\/td><td class="wide">2<\/td><\/tr>/,
  );
  assert.match(
    html,
    /<tr class="spec-row spec-failed"><td><a href="\/cli\/#later">Later<\/a>.*<td class="wide run-result">failed<\/td><td class="wide">0 of 1<\/td><td class="wide">1 min 05 s<\/td><td class="wide">0<\/td><\/tr>/,
  );
  assert.match(html, /<small class="run-case-facts"><br>passed · 1 of 1 blocks · 24 s · 2 reboots<\/small>/);
  assert.match(html, /<details class="console-log"><summary><strong>Status<\/strong> · 100 lines<\/summary>/);
  assert.match(html, /\[ {4}99\.000\] line 99<\/code>/);
  assert.doesNotMatch(html, /line 59\n/, 'only the tail is on the page');
  assert.match(html, /The machine printed nothing on its console during: Later\./);
  assert.equal(await read(out, 'spec/console/status.log'), log);
  assert.deepEqual(JSON.parse(await read(out, 'spec/report.json')), report);
  assert.match(await read(out, 'spec/junit.xml'), /<testsuites name="onix spec" tests="2" failures="1"/);
  assert.ok(result.files.includes('spec/index.html'));
  assert.match(await read(out, 'sitemap.xml'), /<loc>https:\/\/onix-os\.com\/spec\/<\/loc>/);
});
