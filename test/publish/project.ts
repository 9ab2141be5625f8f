// Fixtures for the publish tests: a real project checkout (git, content/, CNAME),
// a real bare remote on disk with a `main` branch, a dist/ written by a stand-in
// build, and spec reports derived from the real content hashes.

import { verifierHash } from '../../generator/spec/verifier.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SpecReport } from '../../generator/spec/report-types.ts';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' },
  }).trim();
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export const PAGES: Record<string, string> = {
  'content/index.md': '---\ntitle: ONIX\ndescription: An atomic musl base.\norder: 1\n---\n\nAn atomic musl base. See [the CLI](cli.md).\n',
  'content/cli.md': '---\ntitle: CLI\ndescription: The onix command.\norder: 2\n---\n\n## onix\n\n```console\n$ echo hi\nhi\n```\n',
};

/** The files a stand-in build writes: dotfiles, a dot dir, nested paths. */
export const DIST: Record<string, string> = {
  'index.html': '<!doctype html><title>ONIX</title>\n',
  'cli/index.html': '<!doctype html><title>CLI</title>\n',
  '404.html': '<!doctype html><title>Not found</title>\n',
  'assets/site.css': 'body { color: #171a1c }\n',
  '.well-known/security.txt': 'Contact: mailto:security@onix-os.com\n',
  '.nojekyll': '',
  CNAME: 'onix-os.com\n',
};

export interface Project {
  /** Temp dir holding everything; remove with dispose(). */
  base: string;
  /** The checkout: content/, CNAME, .spec/, origin = remote. */
  root: string;
  /** The bare remote. */
  remote: string;
  reportPath: string;
  dispose(): void;
}

let pristine: Project | null = null;

/**
 * A committed project whose `origin` is a fresh bare repo holding `main` (with dotfiles): a copy
 * of one made with git once per test process (a copy is a tenth of the time of six git runs).
 */
export function makeProject(): Project {
  pristine ??= initProject();
  return copyProject(pristine);
}

/** A fresh copy of `project` (checkout, remote, report and all), its `origin` the copy's remote. */
export function copyProject(project: Project): Project {
  const base = mkdtempSync(join(tmpdir(), 'onix-publish-test-'));
  cpSync(project.base, base, { recursive: true, verbatimSymlinks: true });
  const copy = projectIn(base);
  git(copy.root, 'remote', 'set-url', 'origin', copy.remote);
  return copy;
}

function projectIn(base: string): Project {
  const root = join(base, 'project');
  return {
    base,
    root,
    remote: join(base, 'remote.git'),
    reportPath: join(root, '.spec', 'report.json'),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}

function initProject(): Project {
  const base = mkdtempSync(join(tmpdir(), 'onix-publish-test-'));
  const root = join(base, 'project');
  const remote = join(base, 'remote.git');
  git(base, 'init', '-q', '--bare', '-b', 'main', remote);
  mkdirSync(root);
  git(root, 'init', '-q', '-b', 'main');
  for (const [file, text] of Object.entries(PAGES)) write(join(root, file), text);
  write(join(root, 'CNAME'), 'onix-os.com\n');
  write(join(root, '.gitignore'), 'dist/\n.spec/\n.cache/\n');
  write(join(root, 'README.md'), '# project\n');
  git(root, 'add', '-A');
  execFileSync('git', ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'initial'], {
    cwd: root,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.org',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.org',
      GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z',
      GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z',
    },
  });
  git(root, 'remote', 'add', 'origin', remote);
  git(root, 'push', '-q', 'origin', 'main');
  return projectIn(base);
}

/** Write `files` as a dist dir under `dir` and return it. */
export function writeDist(dir: string, files: Record<string, string> = DIST): string {
  rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) write(join(dir, file), text);
  return dir;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A green report from the `vm` target covering the project's pages as they are on disk now. */
export function greenReport(root: string, change: (r: SpecReport) => void = () => {}): SpecReport {
  const pages = Object.keys(PAGES).map((file) => ({ file, contentHash: sha256(readFileSync(join(root, file), 'utf8')) }));
  const report: SpecReport = {
    version: 1,
    startedAt: '2026-01-02T03:05:00.000Z',
    finishedAt: '2026-01-02T03:06:00.000Z',
    machine: { target: 'vm', imageId: 'img-0123456789ab', fstx: '7', host: 'qemu kvm' },
    commit: git(root, 'rev-parse', 'HEAD'),
    verifier: verifierHash(),
    shard: null,
    pages,
    cases: [
      {
        id: 'content/cli.md:7',
        file: 'content/cli.md',
        line: 7,
        title: 'onix',
        status: 'passed',
        durationMs: 12,
        reboots: 0,
        artifacts: [],
        blocks: [
          {
            id: 'content/cli.md:9',
            file: 'content/cli.md',
            line: 9,
            kind: 'transcript',
            status: 'passed',
            commands: [{ line: 10, command: 'echo hi', stdout: 'hi\n', stderr: '', status: 0, durationMs: 3 }],
            captures: {},
            diff: '',
            durationMs: 3,
          },
        ],
      },
    ],
    totals: { passed: 1, failed: 0, skipped: 0, errors: 0 },
  };
  change(report);
  return report;
}

export function writeReport(path: string, report: SpecReport | string): void {
  write(path, typeof report === 'string' ? report : JSON.stringify(report, null, 2));
}

/** Every ref of a repo with its commit, one string: compare before/after to prove nothing moved. */
export function refs(repo: string): string {
  return git(repo, 'for-each-ref', '--format=%(refname) %(objectname)');
}

/** `path -> mode blob-content` of a branch in a (bare) repo. */
export function branchFiles(repo: string, branch: string): Map<string, { mode: string; text: string }> {
  const out = new Map<string, { mode: string; text: string }>();
  for (const line of git(repo, 'ls-tree', '-r', '--full-tree', branch).split('\n').filter(Boolean)) {
    const [meta = '', path = ''] = line.split('\t');
    const [mode = '', , blob = ''] = meta.split(' ');
    out.set(path, { mode, text: execFileSync('git', ['cat-file', 'blob', blob], { cwd: repo, encoding: 'utf8' }) });
  }
  return out;
}
