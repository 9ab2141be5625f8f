// The GitHub Actions workflows, parsed and checked here since GitHub cannot be
// reached from this machine: triggers, jobs, permissions, the publish job's
// dependencies, the shard matrix, caches and artifacts.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { KERNEL_CODE } from '../../onix/image/kernel-build.ts';

const root = resolve(import.meta.dirname, '../..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  shell?: string;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  strategy?: { matrix?: Record<string, unknown>; 'fail-fast'?: boolean };
  container?: { image: string; options?: string };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

function load<T>(path: string): T {
  return parse(readFileSync(join(root, path), 'utf8'), { strict: true, uniqueKeys: true }) as T;
}

const workflowFiles = readdirSync(join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));
const workflows = new Map(workflowFiles.map((f) => [f, load<Workflow>(`.github/workflows/${f}`)]));
const ci = workflows.get('ci.yml')!;
const jobs = ci.jobs;
const hostAction = load<{ runs: { using: string; steps: Step[] } }>('.github/actions/onix-host/action.yml');
const packageJson = load<{ scripts: Record<string, string> }>('package.json');

const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
/** Steps of a job with local composite actions expanded in place. */
function stepsOf(job: Job): Step[] {
  return job.steps.flatMap((s) => (s.uses === './.github/actions/onix-host' ? hostAction.runs.steps : [s]));
}
const runText = (job: Job): string =>
  stepsOf(job)
    .map((s) => s.run ?? '')
    .join('\n');
const usesOf = (job: Job, action: string): Step[] => stepsOf(job).filter((s) => s.uses?.startsWith(`${action}@`));
const allJobs = (): Array<[string, string, Job]> =>
  [...workflows].flatMap(([f, w]) => Object.entries(w.jobs).map(([n, j]) => [f, n, j] as [string, string, Job]));

describe('ci.yml', () => {
  test('parses, and is the only workflow', () => {
    assert.deepEqual(workflowFiles, ['ci.yml']);
    assert.equal(ci.name, 'ci');
  });

  test('triggers: pull requests, and pushes to main only', () => {
    assert.ok('pull_request' in ci.on);
    assert.deepEqual(ci.on.push, { branches: ['main'] });
  });

  test('jobs: tests, build, image, spec, the merged report, publish', () => {
    assert.deepEqual(Object.keys(jobs).sort(), ['build', 'image', 'publish', 'spec', 'spec-report', 'test']);
  });

  test('the workflow only reads; contents: write is on the publish job alone', () => {
    assert.deepEqual(ci.permissions, { contents: 'read' });
    for (const [file, name, job] of allJobs()) {
      const p = job.permissions;
      const writes = p === 'write-all' || (typeof p === 'object' && Object.values(p).includes('write'));
      assert.equal(writes, file === 'ci.yml' && name === 'publish', `${file} job ${name} permissions ${JSON.stringify(p)}`);
    }
    assert.deepEqual(jobs.publish!.permissions, { contents: 'write' });
  });

  test('publish needs the spec jobs, the merged report, the tests and the build, and runs on pushes to main only', () => {
    const needs = needsOf(jobs.publish!);
    for (const job of ['spec', 'spec-report', 'test', 'build']) assert.ok(needs.includes(job), `publish needs ${job}`);
    // No status function in `if`: GitHub adds success(), so any failed need stops publishing.
    assert.equal(jobs.publish!.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
    assert.deepEqual(jobs.publish!.concurrency, { group: 'pages', 'cancel-in-progress': false });
    assert.deepEqual(needsOf(jobs['spec-report']!), ['spec']);
    assert.deepEqual(needsOf(jobs.spec!), ['image']);
  });

  test('publish runs npm run publish against the repository with the job token, after fetching the merged report', () => {
    const steps = stepsOf(jobs.publish!);
    const download = usesOf(jobs.publish!, 'actions/download-artifact')[0];
    assert.deepEqual(download?.with, { name: 'spec-report', path: '.spec' });
    const publish = steps.find((s) => s.run?.includes('npm run publish'));
    assert.ok(publish && steps.indexOf(download!) < steps.indexOf(publish));
    assert.match(publish.run!, /--repo "https:\/\/x-access-token:\$\{GITHUB_TOKEN\}@github\.com\/\$\{GITHUB_REPOSITORY\}\.git"/);
    assert.equal(publish.env?.GITHUB_TOKEN, '${{ secrets.GITHUB_TOKEN }}');
    assert.doesNotMatch(publish.run!, /--dry-run/);
  });

  test('the spec is split across a shard matrix on the VM, and each shard keeps its report, JUnit and console logs', () => {
    const spec = jobs.spec!;
    const shards = spec.strategy?.matrix?.shard as number[];
    assert.ok(Array.isArray(shards) && shards.length >= 2);
    assert.deepEqual(
      shards,
      shards.map((_, i) => i + 1),
      'shards are 1..N',
    );
    assert.equal(spec.strategy?.['fail-fast'], false, 'one failing shard does not cancel the others');
    const run = runText(spec);
    assert.match(run, /npm run spec -- --target vm\s+--shard \$\{\{ matrix\.shard \}\}\/\$\{\{ strategy\.job-total \}\}\s+--report junit --out \.spec\/shard/);
    const upload = usesOf(spec, 'actions/upload-artifact')[0];
    assert.equal(upload?.with?.name, 'spec-shard-${{ matrix.shard }}');
    assert.equal(upload?.with?.path, '.spec/shard/');
    assert.equal(upload?.if, '${{ !cancelled() }}', 'failed shards still upload their logs');
  });

  test('the shard reports are merged with merge-reports before publishing, even when a shard failed', () => {
    const merge = jobs['spec-report']!;
    assert.equal(merge.if, '${{ !cancelled() }}');
    const download = usesOf(merge, 'actions/download-artifact')[0];
    assert.equal(download?.with?.pattern, 'spec-shard-*');
    assert.match(runText(merge), /npx tsx generator\/cli\/merge-reports\.ts --out \.spec \.spec\/shards\/spec-shard-\*/);
    assert.ok(existsSync(join(root, 'generator/cli/merge-reports.ts')));
    const upload = usesOf(merge, 'actions/upload-artifact')[0];
    assert.equal(upload?.with?.name, 'spec-report');
  });

  test("the image's packages and compiled kernel are cached by what decides them, and the spec shards restore both", () => {
    const key = "onix-image-debs-${{ hashFiles('onix/image/packages.txt') }}";
    assert.ok(existsSync(join(root, 'onix/image/packages.txt')));
    assert.deepEqual(usesOf(jobs.image!, 'actions/cache')[0]?.with, { path: '.cache/image/debs', key });
    assert.deepEqual(usesOf(jobs.spec!, 'actions/cache/restore')[0]?.with, { path: '.cache/image/debs', key });
    assert.match(runText(jobs.image!), /npm run image/);
    // The compiled kernel too: the image job saves it, every shard restores it, keyed by everything
    // kernel-build.ts keys its own cache on (the source package's pin, its code and configuration).
    const kernels = usesOf(jobs.image!, 'actions/cache')[1]?.with;
    assert.equal(kernels?.path, '.cache/image/kernels');
    assert.deepEqual(usesOf(jobs.spec!, 'actions/cache/restore')[1]?.with, kernels);
    const decides = ['onix/image/packages.txt', 'onix/image/recipes/kernel-config.ts', ...KERNEL_CODE.map((c) => relative(root, c))];
    for (const f of decides) assert.ok(String(kernels?.key).includes(`'${f}'`), f);
    // The builder's cache is the user's cache home unless told otherwise; the cached path must be it.
    for (const job of [jobs.image!, jobs.spec!]) assert.equal(job.env?.ONIX_IMAGE_CACHE, '${{ github.workspace }}/.cache/image');
  });

  test('the VM jobs get KVM through a udev rule, QEMU and the host packages through apt-get', () => {
    for (const name of ['image', 'spec']) {
      const run = runText(jobs[name]!);
      assert.match(run, /KERNEL=="kvm", GROUP="kvm", MODE="0666"/, name);
      assert.match(run, /udevadm trigger --name-match=kvm/, name);
      assert.match(run, /\.ci\/apt-packages\.txt/, name);
      assert.match(run, /apt-get install [^\n]*qemu-system-x86/, name);
    }
  });

  test('the tests run .ci/run on Debian, keeping their artifacts', () => {
    const test = jobs.test!;
    assert.equal(test.container?.image, 'debian:bookworm');
    assert.match(runText(test), /^\.ci\/run$/m);
    assert.equal(usesOf(test, 'actions/upload-artifact')[0]?.with?.path, 'test-artifacts/');
  });

  test('every job uses Node 20 and npm ci, and only scripts that exist', () => {
    for (const [, name, job] of allJobs()) {
      for (const s of usesOf(job, 'actions/setup-node')) assert.equal(s.with?.['node-version'], 20, name);
      assert.equal(usesOf(job, 'actions/setup-node').length, 1, `${name} sets up Node once`);
      const run = runText(job);
      assert.doesNotMatch(run, /npm (install|i)\b/, name);
      if (/npm run /.test(run)) assert.match(run + readFileSync(join(root, '.ci/run'), 'utf8'), /npm ci\b/, name);
      for (const [, script] of run.matchAll(/npm run ([\w:-]+)/g)) assert.ok(script! in packageJson.scripts, `${name}: npm run ${script}`);
    }
  });

  test('actions are pinned to a major version, and local actions exist', () => {
    for (const [, name, job] of allJobs()) {
      for (const s of stepsOf(job)) {
        if (!s.uses) continue;
        if (s.uses.startsWith('./')) assert.ok(existsSync(join(root, s.uses, 'action.yml')), `${name}: ${s.uses}`);
        else assert.match(s.uses, /^[\w-]+\/[\w/-]+@v\d+$/, `${name}: ${s.uses}`);
      }
    }
    for (const [, , job] of allJobs())
      if (job.steps.some((s) => s.uses === './.github/actions/onix-host')) {
        assert.ok(job.steps.findIndex((s) => s.uses?.startsWith('actions/checkout@')) === 0, 'checkout comes before the local action');
      }
  });
});
