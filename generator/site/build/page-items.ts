// The pages a build makes, each with where it is published: from the pages handed in parsed,
// or read from the content folder.

import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { findMarkdownFiles } from '../../content/find.ts';
import type { ParsedPage } from '../../content/parse.ts';
import { urlForContentPath } from '../model/routes.ts';
import type { PageItem } from './page-store.ts';

/**
 * Every page with where it is published, in path order (the first of two pages with one URL
 * keeps it): from `pages` when given, else read from `contentRoot` (a bounded number at a time).
 */
export async function pageItems(contentRoot: string, pages: ParsedPage[] | undefined): Promise<PageItem[]> {
  const item = (abs: string, source: string): PageItem => {
    const rel = relative(contentRoot, abs).split(sep).join('/');
    return { abs, rel, url: urlForContentPath(rel), source };
  };
  if (pages) return pages.map((p) => item(resolve(p.file), p.source)).sort((a, b) => (a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0));
  const files = await findMarkdownFiles(contentRoot);
  const items: PageItem[] = [];
  for (let i = 0; i < files.length; i += 64) {
    items.push(...(await Promise.all(files.slice(i, i + 64).map(async (abs) => item(abs, await readFile(abs, 'utf8'))))));
  }
  return items;
}
