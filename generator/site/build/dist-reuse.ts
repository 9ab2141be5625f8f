// A build's social cards and search index are files of the build cache, hard-linked into the
// new dist/. When the dist/ being replaced already holds exactly those files in a folder (the
// same inodes, so the same bytes: cache files are read-only), that folder is moved into the
// new dist/ at the swap, instead of linking every file again and deleting every old one: a
// warm build pays a stat per file instead of a link and an unlink.

import { lstatSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Whether `dir` holds exactly the files of `expected` (path relative to `dir` -> the cache
 * file it must be a link of) and nothing else.
 */
export function holdsExactly(dir: string, expected: Map<string, string>): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return false;
  }
  let files = 0;
  for (const e of entries) {
    if (e.isDirectory()) continue;
    if (!e.isFile()) return false;
    files++;
    const source = expected.get(relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
    if (!source) return false;
    const a = lstatSync(join(e.parentPath, e.name), { throwIfNoEntry: false });
    const b = lstatSync(source, { throwIfNoEntry: false });
    if (!a || !b || a.ino !== b.ino || a.dev !== b.dev) return false;
  }
  return files === expected.size;
}
