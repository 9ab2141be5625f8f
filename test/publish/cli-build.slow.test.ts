// `npm run publish` end to end: the CLI in a real checkout, the real site build
// (buildSite) and the real gh-pages push into bare repositories on disk.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { listDistFiles } from '../../generator/publish/site-tree.ts';
import { branchFiles, git, greenReport, makeProject, refs, writeReport, type Project } from './project.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

let project: Project;
before(() => {
  project = makeProject();
  writeReport(project.reportPath, greenReport(project.root));
});
after(() => project.dispose());

function publish(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'generator/bin/publish.js'), ...args], {
    cwd: project.root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--dry-run builds, lists the files, says it would publish, and pushes nothing', () => {
  const before = refs(project.remote);
  const r = publish('--dry-run');
  assert.equal(r.status, 0, r.stderr);
  const built = listDistFiles(join(project.root, 'dist'));
  return built.then((files) => {
    assert.ok(files.includes('index.html') && files.includes('cli/index.html'));
    const listed = [...new Set([...files, 'CNAME', '.nojekyll'])].sort();
    const source = git(project.root, 'rev-parse', 'HEAD');
    assert.equal(
      r.stdout,
      [
        'publish: report .spec/report.json: green on vm (qemu kvm), fstx 7, 1 passed, fresh for 2 pages',
        `publish: built dist: ${listed.length} files to publish`,
        `dry run: ${listed.length} files for ${project.remote} (gh-pages):`,
        ...listed.map((f) => `  ${f}`),
        `would publish: Publish onix-os.com from ${source.slice(0, 12)} (spec green on vm, fstx 7)`,
        '',
      ].join('\n'),
    );
    assert.equal(refs(project.remote), before);
  });
});

test('publishing puts exactly the built dist/ plus CNAME and .nojekyll on gh-pages', async () => {
  const r = publish();
  assert.equal(r.status, 0, r.stderr);
  const head = git(project.remote, 'rev-parse', 'gh-pages');
  const tree = git(project.remote, 'rev-parse', 'gh-pages^{tree}');
  assert.match(r.stdout, new RegExp(`published \\d+ files to ${project.remote} \\(gh-pages\\): ${head.slice(0, 12)} \\(tree ${tree.slice(0, 12)}\\)\\n$`));
  const dist = join(project.root, 'dist');
  const want = new Map<string, string>();
  for (const f of await listDistFiles(dist)) want.set(f, readFileSync(join(dist, f), 'utf8'));
  want.set('CNAME', 'onix-os.com\n');
  want.set('.nojekyll', '');
  const got = branchFiles(project.remote, 'gh-pages');
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [file, { mode, text }] of got) {
    assert.equal(mode, '100644', file);
    assert.equal(text, want.get(file), file);
  }
});

test('the same commit and report give the same tree and commit again; republishing pushes nothing', () => {
  const first = { commit: git(project.remote, 'rev-parse', 'gh-pages'), tree: git(project.remote, 'rev-parse', 'gh-pages^{tree}') };
  const other = join(project.base, 'again.git');
  git(project.base, 'init', '-q', '--bare', other);
  const r = publish('--repo', other);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual({ commit: git(other, 'rev-parse', 'gh-pages'), tree: git(other, 'rev-parse', 'gh-pages^{tree}') }, first);
  const before = refs(project.remote);
  const again = publish();
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already holds this site: [0-9a-f]{12} \(tree [0-9a-f]{12}\), nothing pushed\n$/);
  assert.equal(refs(project.remote), before);
});
