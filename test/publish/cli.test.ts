// `npm run publish` as a user runs it: the CLI in a real checkout whose origin is a bare
// repo on disk. Refusals are one line on stderr, exit 1, no stack trace, nothing pushed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { oneLine, redactUrl } from '../../generator/publish/refusal.ts';
import { greenReport, makeProject, refs, writeReport, type Project } from './project.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
/** What `npm run publish` runs. */
const cli = join(repoRoot, 'generator/bin/publish.js');

let project: Project;
beforeEach(() => (project = makeProject()));
afterEach(() => project.dispose());

function publish(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: project.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineRefusal(r: { status: number | null; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
}

test('no report: one line, exit 1, nothing pushed', () => {
  const before = refs(project.remote);
  const r = publish();
  assertOneLineRefusal(r, /^publish refused: no spec report at \.spec\/report\.json: run `npm run spec -- --target vm` first$/);
  assert.equal(refs(project.remote), before);
});

test('a stale report names the first page that differs', () => {
  writeReport(project.reportPath, greenReport(project.root));
  writeFileSync(join(project.root, 'content/cli.md'), '---\ntitle: CLI\n---\n\n# onix, edited\n');
  writeFileSync(join(project.root, 'content/index.md'), '---\ntitle: ONIX\n---\n\n# ONIX, edited\n');
  const before = refs(project.remote);
  assertOneLineRefusal(
    publish(),
    /^publish refused: the spec report is stale: content\/cli\.md changed since the spec ran \(sha256 [0-9a-f]{12} then, [0-9a-f]{12} now\)$/,
  );
  assert.equal(refs(project.remote), before);
});

test('a local-target report given with --report is refused', () => {
  const other = join(project.base, 'elsewhere', 'report.json');
  writeReport(
    other,
    greenReport(project.root, (r) => (r.machine.target = 'local')),
  );
  assertOneLineRefusal(publish('--report', other), /^publish refused: the spec ran against the 'local' target; publishing needs a run on 'vm' or 'ssh'$/);
});

test('a failing report is refused', () => {
  writeReport(
    project.reportPath,
    greenReport(project.root, (r) => {
      r.cases[0]!.status = 'failed';
      r.cases[0]!.blocks[0]!.status = 'failed';
      r.totals = { passed: 0, failed: 1, skipped: 0, errors: 0 };
    }),
  );
  assertOneLineRefusal(publish('--branch', 'pages'), /^publish refused: the spec report is red: 1 failing block, first content\/cli\.md:9 in "onix"$/);
});

test('--report must name a report.json or its directory', () => {
  assertOneLineRefusal(
    publish('--report', 'results.json'),
    /^publish refused: the spec report must be a file named report\.json \(or its directory\), got results\.json$/,
  );
});

test('unknown options are a usage error', () => {
  const r = publish('--force');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^publish: Unknown option '--force'/);
  assert.match(r.stderr, /usage: npm run publish -- \[--repo URL\] \[--branch NAME\] \[--dry-run\] \[--report PATH\]/);
});

test('credentials in URLs never reach the terminal', () => {
  assert.equal(redactUrl('push to https://x-access-token:ghs_abc@github.com/o/r.git failed'), 'push to https://***@github.com/o/r.git failed');
  assert.equal(oneLine(new Error('\n  fatal: https://tok@host/r.git not found\nmore')), 'fatal: https://***@host/r.git not found');
});
