// What goes on the pages branch: exactly the files of dist/, plus `CNAME` and
// `.nojekyll`, every one a plain file with mode 0644. Laying the tree out here,
// rather than trusting gh-pages' own remove/copy (which skips dotfiles when
// removing and keeps old file modes), is what makes the tree a function of
// dist/ alone: the same dist/ always gives the same git tree.

import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PublishRefusal } from './refusal.ts';

/** The custom domain GitHub Pages serves the branch as (default, when the repo has no CNAME file). */
export const DEFAULT_DOMAIN = 'onix-os.com';

/** Files publishing adds on top of dist/. */
export const EXTRA_FILES = ['CNAME', '.nojekyll'] as const;

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every file under `distDir` (following symlinks), as sorted posix paths relative to it. Skips `.git`. */
export async function listDistFiles(distDir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.name === '.git') continue;
      const abs = join(dir, e.name);
      const rel = prefix + e.name;
      const info = e.isSymbolicLink() ? await stat(abs) : e;
      if (info.isDirectory()) await walk(abs, `${rel}/`);
      else if (info.isFile()) out.push(rel);
    }
  }
  await walk(distDir, '');
  return out.sort(byPath);
}

/** The domain in the project's `CNAME` file, or DEFAULT_DOMAIN when there is none. */
export async function readDomain(root: string): Promise<string> {
  try {
    const domain = (await readFile(join(root, 'CNAME'), 'utf8')).trim();
    return domain || DEFAULT_DOMAIN;
  } catch {
    return DEFAULT_DOMAIN;
  }
}

/**
 * The sorted list of paths the branch will hold. Refuses when dist/ carries a CNAME
 * for another domain (GitHub Pages would then serve the site elsewhere).
 */
export async function plannedFiles(distDir: string, domain: string): Promise<string[]> {
  const files = await listDistFiles(distDir);
  if (files.length === 0) throw new PublishRefusal(`${distDir} is empty: nothing to publish`);
  if (files.includes('CNAME')) {
    const theirs = (await readFile(join(distDir, 'CNAME'), 'utf8')).trim();
    if (theirs !== domain) throw new PublishRefusal(`dist/CNAME says '${theirs}' but the site's domain is '${domain}'`);
  }
  return [...new Set([...files, ...EXTRA_FILES])].sort(byPath);
}

/**
 * Make `workTree` (a git work tree) hold exactly `files` from `distDir` plus CNAME
 * (`domain` and a newline) and an empty `.nojekyll`. Everything else but `.git` goes.
 */
export async function layOutTree(workTree: string, distDir: string, files: string[], domain: string): Promise<void> {
  for (const name of await readdir(workTree)) {
    if (name !== '.git') await rm(join(workTree, name), { recursive: true, force: true });
  }
  for (const file of files) {
    const target = join(workTree, file);
    await mkdir(dirname(target), { recursive: true });
    if (file === 'CNAME') await writeFile(target, `${domain}\n`);
    else if (file === '.nojekyll') await writeFile(target, '');
    else await copyFile(join(distDir, file), target);
    await chmod(target, 0o644);
  }
}
