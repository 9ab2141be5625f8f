// What a report's verdicts depend on besides the pages and the machine's image: the code that
// reads the spec out of the pages, runs it, matches the output and judges it, and the host side of
// the machines it runs on. A report is reused (npm run build) or published only while this is
// what ran it: a change to a matcher or to the VM's command line can turn a pass into a fail, so
// a report from before it proves nothing about the code now.
//
// The image the machine booted is named by the report's machine.imageId, which hashes the
// image's own inputs (onix/image, the bundled onix and moss); this covers the rest.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Folders (and files) whose code decides a verdict, relative to the repository. */
export const VERIFIER_SOURCES = ['generator/spec', 'generator/content', 'onix/machine', 'package-lock.json'] as const;

/** Prose beside the code changes no verdict. */
const isCode = (name: string) => !name.endsWith('.md');

function filesOf(path: string): string[] {
  const entries = (() => {
    try {
      return readdirSync(path, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  })();
  if (entries === null) return [path];
  return entries.flatMap((e) => (e.isDirectory() ? filesOf(join(path, e.name)) : e.isFile() && isCode(e.name) ? [join(path, e.name)] : []));
}

/** sha256 over the path and bytes of every file VERIFIER_SOURCES names, in path order. */
export function verifierHash(repo: string = REPO): string {
  const files = VERIFIER_SOURCES.flatMap((s) => filesOf(join(repo, s)))
    .map((f) => relative(repo, f))
    .sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(
      `${f}\0${createHash('sha256')
        .update(readFileSync(join(repo, f)))
        .digest('hex')}\n`,
    );
  return h.digest('hex');
}
