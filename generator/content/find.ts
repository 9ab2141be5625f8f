// Which Markdown files are the pages: every `*.md` under a folder, or the files, folders
// and globs a user named. Paths come back absolute, sorted by code unit, so the spec's
// report, the site's "first page keeps a clashing URL" and the dev server agree on order.

import { statSync } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** A named file, folder or glob that holds no page. */
export class ContentNotFound extends Error {
  override name = 'ContentNotFound';
}

/** How a page file is named in errors and report ids: relative to `base` when inside it, else absolute; posix. */
export function contentName(abs: string, base = process.cwd()): string {
  const rel = relative(base, abs);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
  return shown.split(sep).join('/');
}

function sorted(paths: Iterable<string>): string[] {
  return [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Every `*.md` below `dir` (hidden entries and node_modules left out), absolute and sorted.
 * @throws the file system's error (ENOENT, ENOTDIR) when `dir` is not a folder: an empty site is never a typo's result.
 */
export async function findMarkdownFiles(dir: string): Promise<string[]> {
  const root = resolve(dir);
  await (await opendir(root)).close();
  return sorted(await glob('**/*.md', { cwd: root, onlyFiles: true, absolute: true, ignore: ['**/node_modules/**'] }));
}

/**
 * The pages `args` name: files, folders (every `*.md` under them) and globs, resolved against
 * `cwd`, each page once however it was named. `named` holds the files named one by one.
 * @throws ContentNotFound for a path that does not exist or a folder without pages.
 */
export async function findNamedPages(args: string[], cwd: string): Promise<{ files: string[]; named: Set<string> }> {
  const found = new Set<string>();
  const named = new Set<string>();
  for (const arg of args) {
    if (isDynamicPattern(arg)) {
      for (const p of await glob(arg, { cwd, onlyFiles: true, absolute: true })) found.add(resolve(p));
      continue;
    }
    const abs = resolve(cwd, arg);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(abs).isDirectory();
    } catch {
      throw new ContentNotFound(`${arg}: no such file or directory`);
    }
    if (isDirectory) {
      const under = await findMarkdownFiles(abs);
      if (under.length === 0) throw new ContentNotFound(`${arg}: a directory with no Markdown files`);
      for (const p of under) found.add(p);
    } else {
      found.add(abs);
      named.add(abs);
    }
  }
  return { files: sorted(found), named };
}
