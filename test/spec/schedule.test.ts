import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { caseDurations, startOrder } from '../../generator/spec/schedule.ts';
import type { SpecCase } from '../../generator/spec/types.ts';
import { run, tempDir } from './helpers.ts';

const aCase = (file: string, line: number, title: string): SpecCase => ({ id: `${file}:${line}`, file, line, title, blocks: [] }) as unknown as SpecCase;

const report = (cases: { id: string; file: string; title: string; durationMs: number; status?: string }[]): SpecReport =>
  ({ cases: cases.map((c) => ({ line: 1, reboots: 0, artifacts: [], blocks: [], status: 'passed', ...c })) }) as unknown as SpecReport;

test('cases start longest first by the last report; unknown ones before them, in document order', () => {
  const cases = [aCase('a.md', 1, 'short'), aCase('a.md', 9, 'new one'), aCase('b.md', 3, 'long'), aCase('b.md', 20, 'middle'), aCase('b.md', 30, 'also new')];
  const last = caseDurations(
    report([
      { id: 'a.md:1', file: 'a.md', title: 'short', durationMs: 1_000 },
      { id: 'b.md:3', file: 'b.md', title: 'long', durationMs: 50_000 },
      // Lines above it changed since: found by its file and title.
      { id: 'b.md:17', file: 'b.md', title: 'middle', durationMs: 9_000 },
    ]),
  );
  assert.deepEqual(startOrder(cases, last), [1, 4, 2, 3, 0]);
});

test('without a report, or for cases it did not run, document order', () => {
  const cases = [aCase('a.md', 1, 'one'), aCase('a.md', 5, 'two'), aCase('a.md', 9, 'three')];
  assert.deepEqual(startOrder(cases, caseDurations(null)), [0, 1, 2]);
  const skipped = caseDurations(report([{ id: 'a.md:9', file: 'a.md', title: 'three', durationMs: 0, status: 'skipped' }]));
  assert.deepEqual(startOrder(cases, skipped), [0, 1, 2]);
});

test('the runner starts cases longest first by the last report in its --out dir, and still prints them in document order', async () => {
  const dir = tempDir();
  const order = join(dir, 'order');
  const page = (name: string, seconds: string) => `## ${name}\n\n\`\`\`console\n$ sleep ${seconds}; echo ${name} >> "$ORDER"\n\`\`\`\n`;
  writeFileSync(join(dir, 'p.md'), `# Page\n\n${page('quick', '0')}\n${page('slow', '0.6')}\n${page('middle', '0.3')}`);
  const options = { cwd: dir, outDir: join(dir, '.spec'), jobs: 1, env: { ORDER: order } };
  await run(['p.md'], options);
  assert.deepEqual(readFileSync(order, 'utf8').split('\n').filter(Boolean), ['quick', 'slow', 'middle'], 'without a report: document order');
  rmSync(order);
  const second = await run(['p.md'], options);
  assert.deepEqual(readFileSync(order, 'utf8').split('\n').filter(Boolean), ['slow', 'middle', 'quick']);
  const printed = second.output.filter((l) => /^✓/.test(l)).map((l) => /p\.md:\d+\s+(\w+)/.exec(l)?.[1]);
  assert.deepEqual(printed, ['quick', 'slow', 'middle']);
});
