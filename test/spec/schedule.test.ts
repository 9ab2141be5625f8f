import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { loadMachineDurations, machineDurationsFile, saveMachineDurations } from '../../generator/spec/machine-durations.ts';
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

test("with no report in its --out dir, the runner starts longest first by this machine's durations file, which every run adds to", async () => {
  const dir = tempDir();
  const order = join(dir, 'order');
  const durationsFile = join(dir, 'cache-home/spec/durations-vm.json');
  const page = (name: string, seconds: string) => `## ${name}\n\n\`\`\`console\n$ sleep ${seconds}; echo ${name} >> "$ORDER"\n\`\`\`\n`;
  writeFileSync(join(dir, 'p.md'), `# Page\n\n${page('quick', '0')}\n${page('slow', '0.6')}\n${page('middle', '0.3')}`);
  const options = (out: string) => ({ cwd: dir, outDir: join(dir, out), jobs: 1, env: { ORDER: order }, durationsFile });
  await run(['p.md'], options('.spec-a'));
  assert.deepEqual(readFileSync(order, 'utf8').split('\n').filter(Boolean), ['quick', 'slow', 'middle'], 'nothing known yet: document order');
  rmSync(order);
  // A new folder (a fresh clone, a test's empty --out): the file the first run wrote decides.
  await run(['p.md'], options('.spec-b'));
  assert.deepEqual(readFileSync(order, 'utf8').split('\n').filter(Boolean), ['slow', 'middle', 'quick']);
  const kept = await loadMachineDurations(durationsFile);
  assert.deepEqual([...kept.byTitle.keys()].sort(), ['p.md\0middle', 'p.md\0quick', 'p.md\0slow']);
});

test("a run's durations replace the file's for its cases and keep the others'; a missing or foreign file knows nothing", async () => {
  const file = join(tempDir(), 'durations.json');
  assert.equal((await loadMachineDurations(file)).byId.size, 0);
  const one = caseDurations(
    report([
      { id: 'a.md:1', file: 'a.md', title: 'one', durationMs: 5 },
      { id: 'a.md:9', file: 'a.md', title: 'two', durationMs: 7 },
    ]),
  );
  await saveMachineDurations(file, one);
  await saveMachineDurations(file, caseDurations(report([{ id: 'a.md:1', file: 'a.md', title: 'one', durationMs: 50 }])));
  assert.deepEqual(
    [...(await loadMachineDurations(file)).byId],
    [
      ['a.md:1', 50],
      ['a.md:9', 7],
    ],
  );
  writeFileSync(file, '{"version":"0","data":{"byId":[["a.md:1",1]],"byTitle":[]}}');
  assert.equal((await loadMachineDurations(file)).byId.size, 0);
});

test('the durations file is per target, in the cache home', () => {
  assert.equal(machineDurationsFile('vm', '/c'), '/c/spec/durations-vm.json');
  assert.equal(machineDurationsFile('ssh://root@box:2222', '/c'), '/c/spec/durations-ssh_root_box_2222.json');
});
