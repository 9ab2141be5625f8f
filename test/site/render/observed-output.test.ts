// Passed transcripts show what the machine printed (the report's `shown` lines from
// generator/spec/spans.ts), not the spec's patterns; failed ones show the expected text and a
// legend of the notation; a lone `$ reboot` joins its neighbour.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../../generator/site/build/build.ts';
import { loadPage } from '../../../generator/content/load.ts';
import type { BlockReport } from '../../../generator/spec/report-types.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

const body = [
  '## Doctor',
  '```console\n$ onix doctor\nok  [..]\n...\nsummary: \\d+ checks (re)\n```',
  '```console\n$ reboot\n```',
  '## Broken',
  '```console\n$ onix status\nactive fstx: [..]\n...\n[1]\n```',
].join('\n\n');

async function build() {
  const dir = await tempSite({ 'content/cli.md': page('CLI', body) });
  const parsed = await loadPage(join(dir, 'content/cli.md'));
  const [doctor, reboot, broken] = parsed.tree.children.filter((n) => n.type === 'code').map((n) => n.position!.start.line) as [number, number, number];
  const [h1, h2] = parsed.tree.children.filter((n) => n.type === 'heading').map((n) => n.position!.start.line) as [number, number];
  const f = parsed.file;
  const cmd = (line: number, extra: Partial<BlockReport['commands'][number]>): BlockReport['commands'][number] => ({
    line,
    command: 'x',
    stdout: '',
    stderr: '',
    status: 0,
    durationMs: 1,
    ...extra,
  });
  const blk = (line: number, status: BlockReport['status'], commands: BlockReport['commands']): BlockReport => ({
    id: `${f}:${line}`,
    file: f,
    line,
    kind: 'transcript',
    status,
    commands,
    captures: {},
    diff: '',
    durationMs: 1,
  });
  const report = specReport({
    commit: 'abc1234',
    pages: [{ file: f, contentHash: parsed.contentHash }],
    cases: [
      {
        id: `${f}:${h1}`,
        file: f,
        line: h1,
        title: 'Doctor',
        status: 'passed',
        durationMs: 24_300,
        reboots: 2,
        artifacts: [],
        blocks: [
          blk(doctor, 'passed', [
            cmd(doctor + 1, {
              shown: [
                { text: 'ok  nix-daemon answers on /nix/var/nix/daemon-socket', marks: [{ from: 4, to: 52 }] },
                { elided: ['ok  /etc/nix/nix.conf matches its default', 'ok  nixbld group has GID 6649'] },
                { text: 'summary: 7 checks', marks: [{ from: 0, to: 17 }] },
              ],
            }),
          ]),
          blk(reboot, 'passed', [cmd(reboot + 1, { command: 'reboot', shown: [] })]),
        ],
      },
      {
        id: `${f}:${h2}`,
        file: f,
        line: h2,
        title: 'Broken',
        status: 'failed',
        durationMs: 3000,
        reboots: 0,
        artifacts: [],
        blocks: [blk(broken, 'failed', [cmd(broken + 1, { status: 0 })])],
      },
    ],
    totals: { passed: 2, failed: 1, skipped: 0, errors: 0 },
  });
  const out = join(dir, 'dist');
  await buildSite({ contentDir: join(dir, 'content'), outDir: out, report, cacheDir: null, rootDir: dir, gitDates: false });
  return read(out, 'cli/index.html');
}

test('a passed block shows the observed text, marks what varies, and hides what ... stood for in a closed <details>', async () => {
  const html = await build();
  const figures = html
    .split('<figure')
    .slice(1)
    .map((f) => f.slice(0, f.indexOf('</figure>')));
  assert.equal(figures.length, 2, 'the lone `$ reboot` joined the block before it');
  const passed = figures[0]!;
  assert.match(
    passed,
    /ok {2}<span class="varies"><span class="visually-hidden">\(varies from run to run:\) <\/span>nix-daemon answers on \/nix\/var\/nix\/daemon-socket<\/span>/,
  );
  assert.doesNotMatch(passed, /\[\.\.\]|\(re\)|<span class="matcher">/, 'no pattern is shown for a passed block');
  assert.match(
    passed,
    /<details class="elided"><summary>2 more lines<span class="visually-hidden">[^<]*<\/span><\/summary><pre class="code" tabindex="0"><code class="language-console"><span class="line out">ok {2}\/etc\/nix\/nix.conf matches its default<\/span>\n<span class="line out">ok {2}nixbld group has GID 6649<\/span><\/code><\/pre><\/details>/,
  );
  assert.doesNotMatch(passed, /<details[^>]* open/, 'closed until the reader opens it');
  assert.match(passed, /summary: 7 checks/);
  assert.match(passed, /<span class="prompt">\$ <\/span><span class="command">[^\n]*reboot/, 'the reboot is part of this block');
  assert.match(passed, /text varies from run to run/);
  assert.doesNotMatch(passed, /spec-status/, 'no badge: the case line says it');
  assert.match(
    html,
    /<p class="case-result spec-passed"><span class="spec-status spec-passed">passed on <a href="\/test-machine\/">the ONIX test VM<\/a> · image 0f095cb · 2026-12-01 · 24 s · 2 reboots<\/span><\/p>/,
  );
});

test('a failed block shows the expected text and a visible legend of its notation', async () => {
  const failed = (await build()).split('<figure').slice(1)[1]!.split('</figure>')[0]!;
  assert.match(failed, /<span class="spec-status spec-failed">failed<\/span>/);
  assert.match(failed, /active fstx: <span class="matcher">\[\.\.\]<\/span>/);
  assert.match(
    failed,
    /<p class="transcript-legend"><span class="legend-head">Expected output. <\/span><code>\[\.\.\]<\/code>: any text within the line; <code>\.\.\.<\/code>: any number of lines; <code>\[N\]<\/code>: the command exits with status N\.<\/p>/,
  );
  assert.doesNotMatch(failed, /title="/, 'nothing is explained only on hover');
});
