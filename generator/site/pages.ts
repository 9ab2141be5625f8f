// Loading content/: every Markdown file parsed exactly once per process through
// generator/markdown/parse.ts. The site build, the dev server and the spec runner
// all call loadPages(), so they share the same ParsedPage objects (and the same mdast).

import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ParseCache } from '../markdown/parse-cache.ts';
import { parseMarkdown, type ParsedPage } from '../markdown/parse.ts';

/** Parsed pages by absolute path; a file is parsed again only when its text changed. */
const parsedByPath = new Map<string, ParsedPage>();

/** How a page file is named in errors and report ids: relative to the cwd when inside it, posix. */
export function displayPath(absPath: string): string {
  const rel = relative(process.cwd(), absPath);
  const shown = rel.startsWith('..') || isAbsolute(rel) ? absPath : rel;
  return shown.split(sep).join('/');
}

/** Every `*.md` below `dir`, as absolute paths in a stable (sorted) order. */
export async function findMarkdownFiles(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.md')) out.push(p);
    }
  }
  await walk(root);
  return out;
}

/**
 * Parse one content file (absolute or relative path), reusing the earlier parse
 * when the file's text is unchanged (in this process, or in `cache` across builds).
 */
export async function loadPage(path: string, cache?: ParseCache): Promise<ParsedPage> {
  const abs = resolve(path);
  const source = await readFile(abs, 'utf8');
  const known = parsedByPath.get(abs);
  if (known && known.source === source) {
    cache?.keep(known);
    return known;
  }
  const page = cache ? cache.parse(displayPath(abs), source) : parseMarkdown(displayPath(abs), source);
  parsedByPath.set(abs, page);
  return page;
}

/**
 * The parse of `source`, read from the file at `abs`: the earlier one when this thread
 * already parsed that exact text for that file (the spec runner and the build share it).
 */
export function loadPageFromSource(abs: string, source: string): { page: ParsedPage; parsed: boolean } {
  const known = parsedByPath.get(abs);
  if (known && known.source === source) return { page: known, parsed: false };
  const page = parseMarkdown(displayPath(abs), source);
  parsedByPath.set(abs, page);
  return { page, parsed: true };
}

/** Forget a file (it was deleted). */
export function forgetPage(path: string): void {
  parsedByPath.delete(resolve(path));
}

/**
 * Every page under `contentDir` (default: "content"), parsed once, in sorted path order.
 * `page.file` is the path relative to the working directory (e.g. "content/cli.md"): the
 * prefix of every block id in spec reports.
 */
export async function loadPages(contentDir = 'content'): Promise<ParsedPage[]> {
  const files = await findMarkdownFiles(contentDir);
  const pages: ParsedPage[] = [];
  // Bounded concurrency keeps file handles in check on big corpora.
  const width = 32;
  for (let i = 0; i < files.length; i += width) {
    pages.push(...(await Promise.all(files.slice(i, i + width).map((f) => loadPage(f)))));
  }
  return pages;
}
