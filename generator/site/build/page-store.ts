// The per-page work of a build, done by the thread that owns the page: parse, analyse and
// render its content in one go (the facts go back to the main thread; the content's HTML
// waits here), then, once every page's facts gave the nav, put the document around it. A
// big build runs one store per worker thread; a small one runs a store on the main thread.
// Each page is parsed once, its tree never crosses a thread (copying an mdast costs more
// than parsing it) and is dropped as soon as its content is rendered.

import { contentName } from '../../content/find.ts';
import { ContentError, parseMarkdown, type ParsedPage } from '../../content/parse.ts';
import type { SpecReport } from '../../spec/report-types.ts';
import { analyzePage, factsOf, type PageFacts, type PageProblem } from '../model/analyze.ts';
import type { ArtifactImages } from '../model/artifact-images.ts';
import type { SiteConfig } from '../model/config.ts';
import { createCodeHighlighter, type CodeHighlighter } from '../render/highlight.ts';
import type { AssetUrls, NavItem } from '../render/layout.ts';
import { contentSite, createPageRenderer, type PageRenderer, type RenderSite } from '../render/render-page.ts';
import { indexSpecResults } from '../model/spec-results.ts';

/** A page to parse: its absolute path, where it is published, and its text. */
export interface PageItem {
  abs: string;
  rel: string;
  url: string;
  source: string;
}

export type LoadResult = { ok: true; facts: PageFacts } | { ok: false; problem: PageProblem };

/** What a page's content is rendered with (known before any page is parsed): plain data, so it crosses threads. */
export interface BodyContext {
  /** Names this context; a store builds its renderer once per key. */
  key: string;
  report: SpecReport | null;
  reportDir: string;
  /** The highlighter's disk cache (main thread only: worker threads would race on it). */
  highlightCache: string | null;
  /** Sizes and pixel comparisons of the report's PNG artifacts (default: none known). */
  images?: ArtifactImages;
  /** sha256 of every page's current text by file, so a page linking to another page's case knows whether that result is current (default: unknown). */
  pageHashes?: Record<string, string>;
}

/** What the document around a page's content is rendered with (known once every page's facts are). */
export interface SiteContext {
  config: SiteConfig;
  nav: NavItem[];
  assets: AssetUrls;
  /** Last commit date (YYYY-MM-DD) by content path relative to content/. */
  dates: Record<string, string>;
}

export interface HighlightStats {
  tokenized: number;
  cached: number;
}

export interface RenderResult {
  /** One document per item, in order. */
  html: string[];
  highlighted: HighlightStats;
  /** Pages parsed to render them (their facts came from the cache). */
  parsed: number;
}

/** A loaded page: its facts and its content's HTML, waiting for the site around it. */
interface Loaded {
  source: string;
  rel: string;
  facts: PageFacts;
  body: string;
}

export class PageStore {
  private readonly loaded = new Map<string, Loaded>();
  private renderer: { key: string; renderer: PageRenderer; highlighter: CodeHighlighter; site: RenderSite } | null = null;
  /** Pages parsed by this store (not taken from an earlier parse in this thread). */
  parsed = 0;

  /**
   * @param given pages already parsed in this thread, by absolute path (default: none): the
   * build's caller parsed them for the spec too. A worker thread has none (a tree costs more to
   * copy between threads than to parse) and keeps only facts and HTML, so its heap stays small.
   */
  constructor(private readonly given: ReadonlyMap<string, ParsedPage> = new Map()) {}

  /** Parse, analyse and render the content of pages; their facts come back, the rest waits for documents(). */
  async load(context: BodyContext, items: PageItem[]): Promise<{ results: LoadResult[]; highlighted: HighlightStats }> {
    const { renderer, highlighter } = await this.rendererFor(context);
    const before = { ...highlighter.stats };
    const results = items.map((item): LoadResult => {
      try {
        return { ok: true, facts: this.loadOne(renderer, item).facts };
      } catch (error) {
        if (!(error instanceof ContentError)) throw error;
        return { ok: false, problem: { file: error.file, line: error.line, message: error.message.slice(`${error.file}:${error.line}: `.length) } };
      }
    });
    return { results, highlighted: delta(highlighter.stats, before) };
  }

  private loadOne(renderer: PageRenderer, item: PageItem): Loaded {
    const known = this.loaded.get(item.abs);
    if (known && known.source === item.source && known.rel === item.rel) return known;
    let page = this.given.get(item.abs);
    if (page?.source !== item.source) {
      page = parseMarkdown(contentName(item.abs), item.source);
      this.parsed++;
    }
    const summary = analyzePage(page, item.rel, item.url);
    // A page with problems fails the build before any document is written; its content may
    // not even render (a code block in an unknown language).
    const body = summary.problems.length > 0 ? '' : renderer.renderBody(summary);
    const loaded = { source: item.source, rel: item.rel, facts: factsOf(summary), body };
    this.loaded.set(item.abs, loaded);
    return loaded;
  }

  /** Complete HTML documents of `items` (loaded now if load() did not see them). */
  async documents(context: BodyContext, site: SiteContext, items: PageItem[]): Promise<RenderResult> {
    const r = await this.rendererFor(context, site);
    const before = { ...r.highlighter.stats };
    const parsedBefore = this.parsed;
    const html = items.map((item) => {
      const loaded = this.loadOne(r.renderer, item);
      this.loaded.delete(item.abs); // written once: keep the heap small
      return r.renderer.renderDocument(loaded.facts, loaded.body);
    });
    return { html, highlighted: delta(r.highlighter.stats, before), parsed: this.parsed - parsedBefore };
  }

  /** A document that is not a Markdown page (the 404 page), with the site's layout. */
  async special(context: BodyContext, site: SiteContext, page: Parameters<PageRenderer['renderSpecial']>[0]): Promise<string> {
    return (await this.rendererFor(context, site)).renderer.renderSpecial(page);
  }

  /** The renderer of `context`, with the layout's part of the site from `site` when given. */
  private async rendererFor(context: BodyContext, site?: SiteContext): Promise<{ renderer: PageRenderer; highlighter: CodeHighlighter }> {
    const r = await this.rendererOf(context);
    if (site) Object.assign(r.site, { config: site.config, nav: site.nav, assets: site.assets, lastUpdated: (rel: string) => site.dates[rel] ?? null });
    return r;
  }

  private async rendererOf(context: BodyContext): Promise<{ renderer: PageRenderer; highlighter: CodeHighlighter; site: RenderSite }> {
    if (this.renderer?.key === context.key) return this.renderer;
    await this.close();
    const highlighter = await createCodeHighlighter(context.highlightCache ? { cacheFile: context.highlightCache } : {});
    const results = indexSpecResults(context.report, context.reportDir, context.pageHashes);
    // The layout's part of the site is filled in by rendererFor(), once the nav is known.
    const site = contentSite({
      highlighter,
      results,
      images: context.images,
      artifactUrl: (path) => (results.artifact(path) ? `/${artifactTarget(path)}` : null),
    });
    this.renderer = { key: context.key, renderer: createPageRenderer(site), highlighter, site };
    return this.renderer;
  }

  /** Write the highlighter's cache and drop the renderer and every page waiting. */
  async close(): Promise<void> {
    const r = this.renderer;
    this.renderer = null;
    this.loaded.clear();
    await r?.highlighter.dispose();
  }
}

function delta(now: HighlightStats, before: HighlightStats): HighlightStats {
  return { tokenized: now.tokenized - before.tokenized, cached: now.cached - before.cached };
}

/** Where a report artifact is published, relative to dist/. */
export function artifactTarget(path: string): string {
  return `spec-artifacts/${path.replace(/^\/+/, '')}`;
}
