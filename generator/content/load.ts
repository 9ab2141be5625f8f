// Reading the pages: each file read and parsed once, by whoever asks first, and the parsed
// pages handed on. `npm run build` loads the content here and gives the same ParsedPage
// objects to the spec runner and to buildSite(), so what a reader sees is what was tested.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { contentName, findMarkdownFiles } from './find.ts';
import type { ParseCache } from './parse-cache.ts';
import { parseMarkdown, type ParsedPage } from './parse.ts';

/** A page file that could not be read (gone, a folder, no permission): `file: cannot read: reason`. */
export class ContentReadError extends Error {
  override name = 'ContentReadError';
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${file}: cannot read: ${reason}`);
  }
}

export interface LoadOptions {
  /** Folder page names are relative to (default: the working directory). */
  base?: string;
  /** Parse results kept across runs (default: none, every page parsed). */
  cache?: ParseCache;
}

/**
 * Read and parse the page at `path` (absolute, or relative to the working directory), named
 * relative to `options.base`.
 * @throws ContentReadError when the file cannot be read; ContentError when it cannot be parsed.
 */
export async function loadPage(path: string, options: LoadOptions = {}): Promise<ParsedPage> {
  const abs = resolve(path);
  const file = contentName(abs, options.base);
  let source: string;
  try {
    source = await readFile(abs, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ContentReadError(file, e.code, e.message.split('\n')[0]!);
  }
  return options.cache ? options.cache.parse(file, source) : parseMarkdown(file, source);
}

/** The pages at `files` (absolute paths), in that order; a bounded number of files open at a time. */
export async function loadPages(files: readonly string[], options: LoadOptions = {}): Promise<ParsedPage[]> {
  const pages: ParsedPage[] = [];
  const width = 32;
  for (let i = 0; i < files.length; i += width) {
    pages.push(...(await Promise.all(files.slice(i, i + width).map((f) => loadPage(f, options)))));
  }
  return pages;
}

/**
 * Every page under `contentDir`, parsed, in sorted path order. `page.file` is the path
 * relative to the working directory (e.g. "content/cli.md"): the prefix of every block id in
 * spec reports.
 */
export async function loadContent(contentDir = 'content', options: LoadOptions = {}): Promise<ParsedPage[]> {
  return loadPages(await findMarkdownFiles(contentDir), options);
}
