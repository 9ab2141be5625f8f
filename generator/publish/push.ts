// Pushing a laid-out site to the pages branch with the `gh-pages` package.
//
// What gh-pages does on its own, and what we pin down so a publish is reproducible:
// - it clones the branch into a cache dir (find-cache-dir: node_modules/.cache/gh-pages/
//   <repo url>, reused across runs; the URL, token included, becomes the dir name).
//   We point CACHE_DIR at a fresh temp dir per publish and remove it afterwards: no
//   state carried between publishes, nothing with a token left on disk.
// - it removes old files with a glob that skips dotfiles and copies dist/ with streams
//   (new files 0644, overwritten ones keep their mode). Our beforeAdd hook lays the
//   tree out from scratch instead (site-tree.ts): the TREE depends on dist/ alone.
// - it commits with the current time and the git identity of the cwd. We set author
//   and committer (name, email, date) through GIT_* variables: the date is the source
//   commit's, so the same source commit, report and previous branch head give the same
//   commit hash too, not just the same tree. With nothing changed it makes no commit.
// - it pushes with `git push --tags origin <branch>` (no force: history is kept).

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ghpages from 'gh-pages';
import { layOutTree } from './site-tree.ts';
import { PublishFailure, oneLine } from './refusal.ts';

const run = promisify(execFile);

export interface Identity {
  name: string;
  email: string;
}

/** The identity publish commits carry (default for PushOptions.author). */
export const PUBLISH_IDENTITY: Identity = { name: 'onix-publish', email: 'publish@onix-os.com' };

export interface PushOptions {
  /** The built site. */
  distDir: string;
  /** Sorted paths to publish (from plannedFiles()). */
  files: string[];
  /** Custom domain written to CNAME. */
  domain: string;
  /** Git URL or path of the remote. */
  repo: string;
  /** Branch to publish to (default: "gh-pages"). */
  branch?: string;
  message: string;
  /** Author and committer (default: PUBLISH_IDENTITY). */
  author?: Identity;
  /** Author and committer date, ISO 8601 (default: now; pass the source commit's date for reproducible commits). */
  date?: string;
}

export interface PushResult {
  /** The branch head after publishing. */
  commit: string;
  /** Its tree. */
  tree: string;
  /** False when the branch already held this exact tree (no new commit was made). */
  changed: boolean;
}

/** The commit a remote branch points at, or null when it does not exist. */
export async function remoteHead(repo: string, branch: string): Promise<string | null> {
  const { stdout } = await run('git', ['ls-remote', '--exit-code', repo, `refs/heads/${branch}`], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).catch(
    (error: { code?: number; stderr?: string }) => {
      if (error.code === 2) return { stdout: '' };
      throw new PublishFailure(`cannot reach ${repo}: ${oneLine(error.stderr ?? error)}`);
    },
  );
  return stdout.split(/\s/)[0] || null;
}

let busy = false;

/** Publish `files` of `distDir` to `branch` of `repo`. Throws PublishFailure when git fails. */
export async function pushSite(options: PushOptions): Promise<PushResult> {
  if (busy) throw new PublishFailure('another publish is already running in this process');
  busy = true;
  const branch = options.branch ?? 'gh-pages';
  const author = options.author ?? PUBLISH_IDENTITY;
  const cacheRoot = await mkdtemp(join(tmpdir(), 'onix-publish-'));
  const pinned: Record<string, string | undefined> = {
    CACHE_DIR: cacheRoot,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_AUTHOR_DATE: options.date,
    GIT_COMMITTER_DATE: options.date,
    GIT_TERMINAL_PROMPT: '0',
  };
  // gh-pages spawns git with the process environment and takes no env option.
  const saved = new Map(Object.keys(pinned).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(pinned)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const before = await remoteHead(options.repo, branch);
    let clone = '';
    await new Promise<void>((resolve, reject) => {
      const started = ghpages.publish(
        options.distDir,
        {
          repo: options.repo,
          branch,
          remote: 'origin',
          message: options.message,
          dotfiles: true,
          history: true,
          push: true,
          user: author,
          beforeAdd: async (git) => {
            clone = git.cwd;
            await layOutTree(git.cwd, options.distDir, options.files, options.domain);
          },
        },
        (error) => (error ? reject(error) : resolve()),
      );
      if (started === undefined) reject(new Error(`${options.distDir} has no files`));
    }).catch((error: unknown) => {
      throw new PublishFailure(`pushing to ${options.repo} (${branch}) failed: ${oneLine(error)}`);
    });
    const { stdout } = await run('git', ['rev-parse', 'HEAD', 'HEAD^{tree}'], { cwd: clone });
    const [commit = '', tree = ''] = stdout.trim().split('\n');
    const after = await remoteHead(options.repo, branch);
    if (after !== commit) throw new PublishFailure(`${options.repo} (${branch}) is at ${after ?? 'nothing'} after pushing ${commit}`);
    return { commit, tree, changed: before !== commit };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rm(cacheRoot, { recursive: true, force: true });
    busy = false;
  }
}
