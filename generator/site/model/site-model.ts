// Everything known about the site before rendering: each page's summary, URLs, the nav,
// and the problems that must fail a build. The build loads it once; the dev server keeps
// it and updates one page at a time.

import { relative, resolve, sep } from 'node:path';
import { findMarkdownFiles } from '../../content/find.ts';
import { ContentReadError, loadPage } from '../../content/load.ts';
import type { ParseCache } from '../../content/parse-cache.ts';
import { ContentError, type ParsedPage } from '../../content/parse.ts';
import { analyzePage, type PageFacts, type PageProblem, type PageSummary } from './analyze.ts';
import type { NavItem } from '../render/layout.ts';
import { checkLinks } from './links.ts';
import { urlForContentPath } from './routes.ts';

/** URLs the build writes besides pages (links to them are not broken). */
export const STATIC_URLS: ReadonlySet<string> = new Set([
  '/404.html',
  '/sitemap.xml',
  '/robots.txt',
  '/favicon.svg',
  '/favicon-32.png',
  '/apple-touch-icon.png',
  '/CNAME',
]);

export class SiteModel {
  /** Summaries by absolute file path, in sorted path order after load(). */
  readonly pages = new Map<string, PageSummary>();
  /** Parse errors (a page that could not be parsed at all) by absolute path. */
  readonly parseErrors = new Map<string, PageProblem>();

  private constructor(readonly contentDir: string) {}

  /** Parse (or take from `cache`) and analyze every page under `contentDir`. */
  static async load(contentDir: string, cache?: ParseCache): Promise<SiteModel> {
    const model = new SiteModel(resolve(contentDir));
    const files = await findMarkdownFiles(model.contentDir);
    const width = 32;
    for (let i = 0; i < files.length; i += width) {
      await Promise.all(files.slice(i, i + width).map((f) => model.update(f, cache)));
    }
    // Keep sorted order regardless of completion order.
    const sorted = [...model.pages.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    model.pages.clear();
    for (const [k, v] of sorted) model.pages.set(k, v);
    return model;
  }

  /** Content path of `abs` relative to the content folder, posix. */
  rel(abs: string): string {
    return relative(this.contentDir, abs).split(sep).join('/');
  }

  /**
   * (Re)read one file. Returns the new summary, or null when it could not be parsed (the
   * error is kept in parseErrors) or no longer exists.
   */
  async update(absPath: string, cache?: ParseCache): Promise<PageSummary | null> {
    const abs = resolve(absPath);
    let page: ParsedPage;
    try {
      page = await loadPage(abs, { cache });
    } catch (error) {
      this.pages.delete(abs);
      if (error instanceof ContentReadError && error.code === 'ENOENT') {
        this.parseErrors.delete(abs);
        return null;
      }
      if (error instanceof ContentError) {
        this.parseErrors.set(abs, { file: error.file, line: error.line, message: error.message.slice(`${error.file}:${error.line}: `.length) });
        return null;
      }
      throw error;
    }
    this.parseErrors.delete(abs);
    const rel = this.rel(abs);
    const summary = analyzePage(page, rel, urlForContentPath(rel));
    this.pages.set(abs, summary);
    return summary;
  }

  /** Drop a deleted file. */
  remove(absPath: string): void {
    const abs = resolve(absPath);
    this.pages.delete(abs);
    this.parseErrors.delete(abs);
  }

  /** Pages by URL (the first page in path order wins a clash; clashes are problems). */
  byUrl(): Map<string, PageSummary> {
    return pagesByUrl(this.pages.values());
  }

  nav(): NavItem[] {
    return navOf(this.pages.values());
  }

  /** Every problem that fails a build: parse errors, page problems, URL clashes, broken links. */
  problems(): PageProblem[] {
    return siteProblems([...this.pages.values()], this.parseErrors.values());
  }

  /** Problems of one page only (its own and its outgoing links): the dev server's quick check. */
  problemsOf(summary: PageSummary): PageProblem[] {
    const byUrl = this.byUrl();
    const problems = [...summary.problems, ...checkLinks(summary, byUrl, STATIC_URLS)];
    for (const s of this.pages.values()) {
      if (s !== summary && s.url === summary.url) problems.push({ file: summary.file, line: 1, message: `URL ${s.url} is also the URL of ${s.file}` });
    }
    return problems;
  }
}

// The site-wide views below work on facts alone, so a build whose pages were analysed in
// worker threads (or taken from the cache) checks and lays them out the same way.

/** Pages by URL; the first in `pages` order wins a clash. */
export function pagesByUrl<P extends PageFacts>(pages: Iterable<P>): Map<string, P> {
  const map = new Map<string, P>();
  for (const s of pages) if (!map.has(s.url)) map.set(s.url, s);
  return map;
}

/** The nav: pages with an `order`, ascending, ties by URL. */
export function navOf(pages: Iterable<PageFacts>): NavItem[] {
  return [...pages]
    .filter((s) => s.order !== null)
    .sort((a, b) => a.order! - b.order! || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
    .map((s) => ({ url: s.url, label: s.navLabel }));
}

/** Every problem that fails a build, sorted by file and line. `pages` in path order. */
export function siteProblems(pages: readonly PageFacts[], parseErrors: Iterable<PageProblem>): PageProblem[] {
  const problems: PageProblem[] = [...parseErrors];
  const byUrl = new Map<string, PageFacts>();
  for (const s of pages) {
    problems.push(...s.problems);
    const other = byUrl.get(s.url);
    if (other) problems.push({ file: s.file, line: 1, message: `URL ${s.url} is also the URL of ${other.file}` });
    else byUrl.set(s.url, s);
  }
  for (const s of pages) problems.push(...checkLinks(s, byUrl, STATIC_URLS));
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** The build's error: every problem, one `file:line: message` per line. */
export class BuildError extends Error {
  override name = 'BuildError';
  constructor(readonly problems: PageProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
  }
}
