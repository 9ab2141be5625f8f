// Merging CI shard report directories into the one report publishing reads.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { gateProblem } from '../../generator/publish/gate.ts';
import { mergeShardDirs } from '../../generator/publish/merge-shards.ts';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { PAGES, greenReport, makeProject, sha256, writeReport, type Project } from './project.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

let project: Project;
beforeEach(() => (project = makeProject()));
afterEach(() => project.dispose());

/** Two shard dirs of a run with two cases, the second failed with a console log when `red`. */
function writeShards(red = false): string[] {
  const whole = greenReport(project.root);
  const second = structuredClone(whole.cases[0]!);
  second.id = 'content/cli.md:20';
  second.title = 'second';
  second.blocks[0]!.id = 'content/cli.md:22';
  if (red) {
    second.status = 'failed';
    second.blocks[0]!.status = 'failed';
    second.consoleLog = 'console/content_cli.md_20.log';
  }
  const dirs: string[] = [];
  for (const [i, c] of [whole.cases[0]!, second].entries()) {
    const shard: SpecReport = {
      ...whole,
      shard: `${i + 1}/2`,
      cases: [c],
      totals: { passed: c.status === 'passed' ? 1 : 0, failed: c.status === 'failed' ? 1 : 0, skipped: 0, errors: 0 },
    };
    const dir = join(project.base, 'shards', `shard-${i + 1}`);
    writeReport(join(dir, 'report.json'), shard);
    if (c.consoleLog) {
      mkdirSync(join(dir, 'console'), { recursive: true });
      writeFileSync(join(dir, c.consoleLog), 'Linux version 6.1\nlogin:\n');
    }
    dirs.push(dir);
  }
  return dirs;
}

const pages = () => Object.entries(PAGES).map(([file, text]) => ({ file, contentHash: sha256(text) }));

test('merged shards make a whole-run report that passes the gate', async () => {
  const out = join(project.root, '.spec');
  const merged = await mergeShardDirs(writeShards(), out);
  assert.equal(merged.shard, null);
  assert.deepEqual(
    merged.cases.map((c) => c.id),
    ['content/cli.md:7', 'content/cli.md:20'],
  );
  assert.equal(gateProblem(project.root, merged, pages()), null);
  const onDisk = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as SpecReport;
  assert.deepEqual(onDisk, merged);
  assert.match(readFileSync(join(out, 'junit.xml'), 'utf8'), /<testsuites/);
  // One shard alone does not.
  const one = JSON.parse(readFileSync(join(project.base, 'shards/shard-1/report.json'), 'utf8')) as SpecReport;
  assert.match(gateProblem(project.root, one, pages()) ?? '', /covers only shard 1\/2/);
});

test('the CLI merges, copies console logs, and exits 1 on a red run, 2 on a missing shard', () => {
  const dirs = writeShards(true);
  const out = join(project.base, 'merged');
  const cli = (...args: string[]) =>
    spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'generator/cli/merge-reports.ts'), ...args], { encoding: 'utf8' });
  const red = cli('--out', out, ...dirs.map((d) => join(d, 'report.json')));
  assert.equal(red.status, 1, red.stderr);
  assert.equal(red.stdout, `merged 2 reports into ${out}/: 2 cases; 1 passed, 1 failed, 0 errors, 0 skipped on vm\n`);
  assert.equal(readFileSync(join(out, 'console/content_cli.md_20.log'), 'utf8'), 'Linux version 6.1\nlogin:\n');
  const missing = cli('--out', out, dirs[0]!);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'merge-reports: mergeReports: need shards 1..2 exactly once each, got 1/2\n');
});
