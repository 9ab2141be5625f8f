// The dev server's site: everything buildSite() does, kept in memory and updated one file
// at a time. A saved page is parsed again, re-checked (its own links, and links from other
// pages into it) and re-rendered; other pages are re-rendered lazily, on request, and only
// when something they show changed (the nav, the spec report). It never runs the spec: it
// shows the last report on disk.

import { resolve } from 'node:path';
import { ParseCache } from '../../content/parse-cache.ts';
import { DEFAULT_REPORT_DIR } from '../../spec/report-types.ts';
import type { PageProblem, PageSummary } from '../model/analyze.ts';
import { loadSiteAssets, type SiteAssets } from '../render/assets.ts';
import { defaultSiteConfig, type SiteConfig } from '../model/config.ts';
import { lastCommitDates } from '../model/git-dates.ts';
import { createCodeHighlighter, isHighlighted, transcriptLanguages, type CodeHighlighter } from '../render/highlight.ts';
import { checkLinks } from '../model/links.ts';
import { notFoundPage } from '../render/not-found.ts';
import { createPageRenderer, type PageRenderer, type RenderSite } from '../render/render-page.ts';
import { SiteModel, STATIC_URLS } from '../model/site-model.ts';
import { loadReport } from '../../spec/report.ts';
import { indexSpecResults, type SpecResults } from '../model/spec-results.ts';

export interface DevSiteOptions {
  /** (default: "content") */
  contentDir?: string;
  /** Folder of the last spec report (default: ".spec"). */
  reportDir?: string;
  /** Highlight cache folder; null for none (default: ".cache/site"). */
  cacheDir?: string | null;
  site?: Partial<SiteConfig>;
}

export interface ChangeResult {
  /** URL of the changed page (null when the file was deleted or does not parse). */
  url: string | null;
  /** Problems the change leaves on the site (empty when clean). */
  problems: PageProblem[];
  /** The nav changed, so every page is re-rendered on its next request. */
  navChanged: boolean;
  /** Time to re-read, re-check and re-render the page, in ms. */
  ms: number;
}

export class DevSite {
  private readonly html = new Map<string, string>();
  private renderer!: PageRenderer;
  private site!: RenderSite;
  /** Problems per absolute file path, as of the last change of each file. */
  readonly problems = new Map<string, PageProblem[]>();

  private constructor(
    readonly model: SiteModel,
    private readonly highlighter: CodeHighlighter,
    readonly assets: SiteAssets,
    private readonly options: DevSiteOptions,
  ) {}

  static async start(options: DevSiteOptions = {}): Promise<DevSite> {
    const contentDir = options.contentDir ?? 'content';
    const cacheDir = options.cacheDir === undefined ? '.cache/site' : options.cacheDir;
    const parseCache = cacheDir ? await ParseCache.open(`${cacheDir}/parse.v8`) : undefined;
    const [model, highlighter, assets, dates] = await Promise.all([
      SiteModel.load(contentDir, parseCache),
      createCodeHighlighter(cacheDir ? { cacheFile: `${cacheDir}/highlight.json` } : {}),
      loadSiteAssets(),
      lastCommitDates(contentDir),
    ]);
    await parseCache?.save();
    const dev = new DevSite(model, highlighter, assets, options);
    dev.site = {
      config: { ...defaultSiteConfig, ...options.site },
      nav: model.nav(),
      assets: assets.urls,
      lastUpdated: (rel) => dates.get(rel) ?? null,
      highlighter,
      results: indexSpecResults(null),
      artifactUrl: (path) => (dev.site.results.artifact(path) ? `/spec-artifacts/${path}` : null),
    };
    dev.renderer = createPageRenderer(dev.site);
    warmUp(highlighter, model.pages.values());
    await dev.reloadReport();
    for (const p of model.problems()) {
      const abs = resolve(p.file);
      dev.problems.set(abs, [...(dev.problems.get(abs) ?? []), p]);
    }
    return dev;
  }

  /** Re-read the spec report (after `npm run spec` wrote a new one); every page re-renders. */
  async reloadReport(): Promise<void> {
    const reportDir = this.options.reportDir ?? DEFAULT_REPORT_DIR;
    this.site.results = indexSpecResults(await loadReport(reportDir).catch(() => null), reportDir);
    this.html.clear();
  }

  /** Show these results from now on (the dev server's live spec); every page re-renders. */
  setResults(results: SpecResults): void {
    this.site.results = results;
    this.html.clear();
  }

  /** The report folder results and artifacts are read from. */
  get reportDir(): string {
    return this.options.reportDir ?? DEFAULT_REPORT_DIR;
  }

  /** The page whose name (its `file`, as in case ids) is `file`, or null. */
  summaryOf(file: string): PageSummary | null {
    for (const s of this.model.pages.values()) if (s.page.file === file) return s;
    return null;
  }

  /** Every problem currently on the site, sorted. */
  allProblems(): PageProblem[] {
    return [...this.problems.values()].flat().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }

  /** A content file was saved, created or deleted. */
  async fileChanged(absPath: string): Promise<ChangeResult> {
    const started = performance.now();
    const abs = resolve(absPath);
    const before = this.model.pages.get(abs);
    const navBefore = JSON.stringify(this.site.nav);
    const summary = await this.model.update(abs);
    this.site.nav = this.model.nav();
    const navChanged = JSON.stringify(this.site.nav) !== navBefore;
    if (navChanged) this.html.clear();
    if (before) this.html.delete(before.url);

    const problems: PageProblem[] = [];
    const parseError = this.model.parseErrors.get(abs);
    if (parseError) problems.push(parseError);
    if (summary) {
      this.html.delete(summary.url);
      problems.push(...this.model.problemsOf(summary));
      this.html.set(summary.url, this.renderer.render(summary));
    }
    this.problems.set(abs, problems);
    // Links from other pages into this one may have broken (or healed).
    const urls = new Set([before?.url, summary?.url].filter((u): u is string => !!u));
    this.recheckIncoming(urls, abs);
    if (!summary && !parseError) this.problems.delete(abs);
    return { url: summary?.url ?? null, problems: this.allProblems(), navChanged, ms: performance.now() - started };
  }

  private recheckIncoming(urls: Set<string>, except: string): void {
    if (urls.size === 0) return;
    const byUrl = this.model.byUrl();
    for (const [abs, s] of this.model.pages) {
      if (abs === except || !s.links.some((l) => l.target && urls.has(l.target.url))) continue;
      this.problems.set(abs, [...s.problems, ...checkLinks(s, byUrl, STATIC_URLS)]);
    }
  }

  /** The page at `url`, rendered now if it is not cached; null when there is none. */
  pageHtml(url: string): string | null {
    const cached = this.html.get(url);
    if (cached !== undefined) return cached;
    const summary: PageSummary | undefined = this.model.byUrl().get(url);
    if (!summary) return null;
    const html = this.renderer.render(summary);
    this.html.set(url, html);
    return html;
  }

  notFoundHtml(): string {
    return this.renderer.renderSpecial(notFoundPage());
  }

  /** Report artifact on disk for a `/spec-artifacts/...` URL, or null. */
  artifactFile(url: string): string | null {
    if (!url.startsWith('/spec-artifacts/')) return null;
    let name: string;
    try {
      name = decodeURIComponent(url.slice('/spec-artifacts/'.length));
    } catch {
      return null; // a malformed escape names no artifact
    }
    return this.site.results.artifact(name);
  }

  async close(): Promise<void> {
    await this.highlighter.dispose();
  }
}

/**
 * shiki compiles a grammar's rules the first time a block meets them (a few hundred ms for
 * a language): tokenise one block of each language on the site at start, so the first save
 * does not pay for it.
 */
function warmUp(highlighter: CodeHighlighter, pages: Iterable<PageSummary>): void {
  const seen = new Set<string>();
  for (const s of pages) {
    for (const block of s.codeBlocks) {
      const lang = transcriptLanguages.has(block.lang ?? '') ? 'sh' : block.lang;
      if (!lang || !isHighlighted(lang) || seen.has(lang)) continue;
      seen.add(lang);
      highlighter.tokenize(block.value, lang);
    }
  }
}
