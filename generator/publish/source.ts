// The source side of a publish: which commit is being published, when it was made,
// whether the work tree has changes on top, and where `origin` points.

import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PublishRefusal } from './refusal.ts';

const run = promisify(execFile);

export interface SourceCommit {
  /** Full sha of HEAD. */
  commit: string;
  /** HEAD's committer date, ISO 8601 strict: the publish commit's date. */
  date: string;
  /** Tracked files differ from HEAD (untracked files are not counted). */
  dirty: boolean;
}

async function git(root: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd: root });
  return stdout.trim();
}

/** HEAD of the project at `root`; refuses outside a git checkout or before the first commit. */
export async function sourceCommit(root: string): Promise<SourceCommit> {
  let commit: string;
  let date: string;
  try {
    [commit, date] = (await git(root, ['show', '-s', '--format=%H%n%cI', 'HEAD'])).split('\n') as [string, string];
  } catch {
    throw new PublishRefusal(`${root} is not a git checkout with a commit: cannot name the source commit`);
  }
  const status = await git(root, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, date, dirty: status !== '' };
}

/** URL of the `origin` remote; refuses when there is none. */
export async function originUrl(root: string): Promise<string> {
  try {
    const url = await git(root, ['remote', 'get-url', 'origin']);
    if (url) return url;
  } catch {
    // fall through
  }
  throw new PublishRefusal('no --repo given and the checkout has no `origin` remote');
}

/** The checked-out branch, or null on a detached HEAD. */
export async function currentBranch(root: string): Promise<string | null> {
  try {
    return (await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD'])) || null;
  } catch {
    return null;
  }
}

/**
 * A repository argument as git and gh-pages need it: URLs (`scheme://`) and scp-style
 * `user@host:path` stay as they are; a local path becomes absolute (gh-pages compares
 * its clone's origin URL, which git stores absolute, with the one it was given).
 */
export function normaliseRepo(repo: string, cwd: string = process.cwd()): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/:]+:/.test(repo)) return repo;
  return resolve(cwd, repo);
}
