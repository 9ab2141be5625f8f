// buildSite(): content/ -> dist/. Every page's facts (parsed, or from the cache) first, so
// the whole site is checked before anything is written; then each page's HTML (rendered by
// the thread that parsed it, or copied from the cache); then 404.html, each page's social
// card, sitemap.xml, robots.txt, assets, report artifacts, .nojekyll and CNAME; last the
// search index, made from the pages as written. The new dist/ is assembled
// beside the old one and takes its place at the end, so a failed build leaves dist/ as it
// was. Two builds of one commit are byte-identical, whatever the cache and thread count.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { contentName, findMarkdownFiles } from '../content/find.ts';
import type { ParsedPage } from '../content/parse.ts';
import { claimDir, isSiteStaging, releaseDir, sweepOrphans } from '../../onix/owned-dirs.ts';
import type { SpecReport } from '../spec/report-types.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';
import type { PageFacts, PageProblem } from './analyze.ts';
import { loadSiteAssets } from './assets.ts';
import { type ArtifactImages, pairKey, prepareArtifactImages } from './artifact-images.ts';
import { BuildCache, hashOf } from './build-cache.ts';
import { defaultSiteConfig, type SiteConfig } from './config.ts';
import { lastCommitDates } from './git-dates.ts';
import { holdsExactly } from './dist-reuse.ts';
import { notFoundPage } from './not-found.ts';
import { artifactTarget, type BodyContext, type HighlightStats, type PageItem, type SiteContext } from './page-store.ts';
import { outputFileForUrl, urlForContentPath } from './routes.ts';
import { BuildError, navOf, siteProblems } from './site-model.ts';
import { SEARCH_SCRIPT, writeSearchIndex } from './search-index.ts';
import { renderRobots, renderSitemap } from './sitemap.ts';
import { CARD_DIR, cardFileForUrl } from './social-card.ts';
import type { SpecialPage } from './render-page.ts';
import { indexSpecResults } from './spec-results.ts';
import { MACHINE_PAGE_URL, RUN_PAGE_URL } from './proof-urls.ts';
import { renderMachinePage } from './machine-page.ts';
import type { ImageManifest } from '../../onix/image/manifest.ts';
import { renderRunPage, RUN_FILES } from './run-page.ts';
import { renderJUnit } from '../spec/render/junit.ts';
import { defaultWorkerCount, forEachShare, LocalOwner, WorkerOwner, type PageOwner } from './worker-pool.ts';

export { BuildError } from './site-model.ts';

export interface BuildOptions {
  /** Folder of Markdown pages (default: "content"). */
  contentDir?: string;
  /**
   * The pages of `contentDir`, already parsed by generator/content (named relative to the
   * working directory), e.g. for the spec run that gates this build: used as they are, never
   * read or parsed again on the main thread (default: read from `contentDir`, and a page whose
   * facts are cached is not parsed at all).
   */
  pages?: ParsedPage[];
  /** Output folder, replaced as a whole at the end (default: "dist"). */
  outDir?: string;
  /** Spec report whose results the pages show (default: none, every block "not run"). */
  report?: SpecReport | null;
  /** Manifest of the image the report's machine ran (onix/image/manifest.ts), for the test machine page (default: none). */
  manifest?: ImageManifest | null;
  /** Folder the report's artifact paths are relative to (default: ".spec"). */
  reportDir?: string;
  /** Folder holding CNAME, copied into the output (default: the current directory). */
  rootDir?: string;
  /** Cache folder (page facts, rendered pages, highlighted blocks); null for none (default: ".cache/site"). */
  cacheDir?: string | null;
  /** Overrides of the site facts (default: onix-os.com). */
  site?: Partial<SiteConfig>;
  /** Read last-updated dates from git (default: true). */
  gitDates?: boolean;
  /**
   * Worker threads that parse and render pages; used only when a build has enough pages to
   * parse or render to pay for starting them. 0 or 1: none (default: one per CPU, at most 4).
   */
  workers?: number;
}

export interface BuildResult {
  outDir: string;
  pages: number;
  /** Every file written, relative to outDir, sorted. */
  files: string[];
  /** Code blocks tokenised now / taken from the highlight cache (pages copied from the cache tokenise nothing). */
  highlighted: HighlightStats;
  /** Pages parsed now / not parsed (facts from the cache, or handed in parsed as `pages`). */
  parsed: { parsed: number; cached: number };
  /** Pages rendered now / copied from the cache. */
  rendered: { rendered: number; cached: number };
  /** Social cards drawn now / copied from the cache. */
  cards: { rendered: number; cached: number };
  /** Whether the search index was made now or copied from the cache. */
  search: 'indexed' | 'cached';
  /** Worker threads the build used (0: all on the main thread). */
  workers: number;
  durationMs: number;
  /** Where the time went: facts (read, parse, check), pages (render or copy, and write), the rest (cards and search included). */
  phasesMs: { load: number; render: number; write: number; cards: number; search: number };
}

/** Pages a build must have to parse or render before it starts worker threads for them. */
const PARALLEL_MIN_PAGES = 200;

export async function buildSite(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const contentDir = options.contentDir ?? 'content';
  const outDir = resolve(options.outDir ?? 'dist');
  const reportDir = options.reportDir ?? DEFAULT_REPORT_DIR;
  const report = options.report ?? null;
  const config: SiteConfig = { ...defaultSiteConfig, ...options.site };
  const cacheDir = options.cacheDir === undefined ? '.cache/site' : options.cacheDir;
  const workerCount = options.workers ?? defaultWorkerCount();

  const contentRoot = resolve(contentDir);
  const datesPending = options.gitDates === false ? Promise.resolve(new Map<string, string>()) : lastCommitDates(contentDir);
  const assetsPending = loadSiteAssets();
  assetsPending.catch(() => {}); // awaited later; a build that fails first must not leave it unhandled
  const [items, cache] = await Promise.all([pageItems(contentRoot, options.pages), BuildCache.open(cacheDir)]);

  const local = new LocalOwner(options.pages && new Map(options.pages.map((p) => [resolve(p.file), p])));
  let workers: PageOwner[] | null = null;
  const staging = `${outDir}.${process.pid}.new`;
  /** The owners of a phase with `n` pages to do: worker threads once a phase is big enough. */
  const ownersFor = (n: number): PageOwner[] => {
    if (!workers && workerCount > 1 && n >= PARALLEL_MIN_PAGES) workers = Array.from({ length: workerCount }, () => new WorkerOwner());
    return workers ?? [local];
  };
  try {
    // 1. Facts of every page: from the cache, or parsed by the page's owner.
    const facts: Array<PageFacts | null> = items.map(() => null);
    const keys = items.map((item) => cache.factsKey(contentName(item.abs), item.rel, sha256(item.source)));
    const parseErrors: PageProblem[] = [];
    const toLoad: number[] = [];
    items.forEach((_, i) => {
      const hit = cache.getFacts(keys[i]!);
      if (hit) facts[i] = hit;
      else toLoad.push(i);
    });
    let parsed = 0;
    const highlighted: HighlightStats = { tokenized: 0, cached: 0 };
    const count = (r: { parsed: number; highlighted: HighlightStats }): void => {
      parsed += r.parsed;
      highlighted.tokenized += r.highlighted.tokenized;
      highlighted.cached += r.highlighted.cached;
    };
    const { facts: images, published: artifactBytes } = await prepareArtifactImages(await reportArtifacts(report, reportDir));
    const pageHashes = Object.fromEntries(items.map((item) => [contentName(item.abs), sha256(item.source)]));
    const body: BodyContext = {
      key: hashOf(JSON.stringify([report, reportDir, images, pageHashes])),
      report,
      reportDir,
      highlightCache: cacheDir ? join(cacheDir, 'highlight.json') : null,
      images,
      pageHashes,
    };
    await forEachShare(
      ownersFor(toLoad.length),
      toLoad,
      50,
      (owner, share) =>
        owner.load(
          body,
          share.map((i) => items[i]!),
        ),
      (share, r) => {
        count(r);
        r.results.forEach((result, k) => {
          const i = share[k]!;
          if (result.ok) {
            facts[i] = result.facts;
            cache.putFacts(keys[i]!, result.facts);
          } else parseErrors.push(result.problem);
        });
      },
    );
    const pages = facts.filter((f): f is PageFacts => f !== null);
    const problems = siteProblems(pages, parseErrors);
    if (problems.length) throw new BuildError(problems);
    const loadedAt = performance.now();

    // 2. Every page's HTML, assembled in a new folder beside outDir.
    const [dates, assets] = await Promise.all([datesPending, assetsPending]);
    const nav = navOf(pages);
    const urls = { ...assets.urls, search: SEARCH_SCRIPT };
    const siteKey = hashOf(JSON.stringify([config, nav, urls]));
    const site: SiteContext = { config, nav, assets: urls, dates: Object.fromEntries(dates) };
    const shown = resultsShown(report, reportDir, images, pages, pageHashes);
    // Staging folders of killed builds go first; this one names its owner until it is dist/.
    await sweepOrphans(dirname(outDir), isSiteStaging(basename(outDir)));
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    claimDir(staging);
    const outputs = pages.map((f) => outputFileForUrl(f.url));
    for (const d of new Set(outputs.map((o) => dirname(join(staging, o))))) await mkdir(d, { recursive: true });
    const pageKeys = items.map((_item, i) => {
      const f = facts[i]!;
      return cache.pageKey(siteKey, f.file, f.rel, f.contentHash, dates.get(f.rel) ?? '', shown(f));
    });
    const toRender: number[] = [];
    let copied = 0;
    // A page parsed now had no cached facts, so it has no cached HTML either: no copy to try.
    const loadedNow = new Set(toLoad);
    for (let k = 0; k < items.length; k += 64) {
      await Promise.all(
        items.slice(k, k + 64).map(async (_, j) => {
          const i = k + j;
          if (!loadedNow.has(i) && (await cache.copyPage(pageKeys[i]!, join(staging, outputFileForUrl(facts[i]!.url))))) copied++;
          else toRender.push(i);
        }),
      );
    }
    toRender.sort((a, b) => a - b);
    await forEachShare(
      ownersFor(toRender.length),
      toRender,
      40,
      (owner, share) =>
        owner.render(
          body,
          site,
          share.map((i) => items[i]!),
        ),
      async (share, r) => {
        count(r);
        await Promise.all(
          share.map(async (i, k) => {
            await writeFile(join(staging, outputFileForUrl(facts[i]!.url)), r.html[k]!);
            await cache.putPage(pageKeys[i]!, r.html[k]!);
          }),
        );
      },
    );
    const renderedAt = performance.now();

    // 3. The rest: 404 page, sitemap, robots.txt, assets, artifacts, CNAME.
    const other = new Map<string, string | Buffer>();
    other.set('404.html', await local.store.special(body, site, notFoundPage()));
    // The run that gated this build: its page, its report (JSON, JUnit) and console logs.
    const consoleLogs = await readConsoleLogs(report, reportDir);
    const run = renderRunPage({ report, pages, consoleLogs, pageHashes });
    const runPage: SpecialPage = {
      title: 'The spec run',
      kicker: 'what this build proves',
      description: run.description,
      url: RUN_PAGE_URL,
      body: run.body,
      toc: report
        ? [
            { id: 'cases', text: 'Cases', depth: 2 },
            { id: 'console-logs', text: 'Console logs', depth: 2 },
          ]
        : [],
    };
    other.set(outputFileForUrl(RUN_PAGE_URL), await local.store.special(body, site, runPage));
    if (report) {
      other.set(RUN_FILES.json, `${JSON.stringify(report, null, 2)}\n`);
      other.set(RUN_FILES.junit, renderJUnit(report));
      for (const [path, text] of consoleLogs) other.set(RUN_FILES.consoleLog(path), text);
    }
    // The machine it ran on, from the image's manifest.
    const machine = renderMachinePage(options.manifest ?? null, report);
    const machinePage: SpecialPage = {
      title: 'The test machine',
      kicker: 'what the spec runs on',
      description: machine.description,
      url: MACHINE_PAGE_URL,
      body: machine.body,
      toc: machine.toc,
    };
    other.set(outputFileForUrl(MACHINE_PAGE_URL), await local.store.special(body, site, machinePage));
    const generated = [RUN_PAGE_URL, MACHINE_PAGE_URL];
    const generatedCards: CardSubject[] = [runPage, machinePage].map((p) => ({ ...p, kicker: p.kicker ?? '' }));
    other.set(
      'sitemap.xml',
      renderSitemap(config, [...pages.map((s) => ({ url: s.url, lastmod: dates.get(s.rel) ?? null })), ...generated.map((url) => ({ url, lastmod: null }))]),
    );
    other.set('robots.txt', renderRobots(config));
    other.set('.nojekyll', '');
    for (const [path, data] of assets.files) other.set(path, data);
    try {
      other.set('CNAME', await readFile(join(options.rootDir ?? '.', 'CNAME')));
    } catch {
      other.set('CNAME', `${new URL(config.origin).host}\n`);
    }
    for (const [path, data] of other) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), data);
    }
    // Artifacts the pages show, PNGs re-encoded compressed (artifact-images.ts).
    const artifacts = new Set<string>();
    for (const f of pages) {
      for (const path of f.artifacts) {
        const data = artifactBytes.get(path);
        if (!data || artifacts.has(artifactTarget(path))) continue;
        artifacts.add(artifactTarget(path));
        await mkdir(dirname(join(staging, artifactTarget(path))), { recursive: true });
        await writeFile(join(staging, artifactTarget(path)), data);
      }
    }
    const cardsStarted = performance.now();
    const cards = await writeCards(
      staging,
      outDir,
      [...pages, ...generatedCards],
      config,
      assets.files.get('assets/logo.svg')!.toString('utf8'),
      cache,
      ownersFor,
    );
    const searchStarted = performance.now();
    const searchKey = hashOf(...pages.map((f, i) => `${f.url}\0${pageKeys[i]}`));
    const search = await writeSearchIndex(staging, searchKey, cache, outDir);
    const searchMs = performance.now() - searchStarted;
    await cache.save();
    // Folders of the old dist/ that are exactly what this build wrote move over (dist-reuse.ts).
    for (const dir of [cards.reuse, search.reuse]) if (dir) await rename(join(outDir, dir), join(staging, dir));
    releaseDir(staging);
    await rm(outDir, { recursive: true, force: true });
    await rename(staging, outDir);

    return {
      outDir,
      pages: pages.length,
      files: [...outputs, ...other.keys(), ...artifacts, ...cards.files, ...search.files].sort(),
      highlighted,
      parsed: { parsed, cached: pages.length - parsed },
      rendered: { rendered: toRender.length, cached: copied },
      cards: { rendered: cards.rendered, cached: cards.files.length - cards.rendered },
      search: search.cached ? 'cached' : 'indexed',
      workers: (workers as PageOwner[] | null)?.length ?? 0,
      durationMs: performance.now() - started,
      phasesMs: {
        load: loadedAt - started,
        render: renderedAt - loadedAt,
        write: performance.now() - renderedAt,
        cards: searchStarted - cardsStarted,
        search: searchMs,
      },
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  } finally {
    await local.close();
    await Promise.all(((workers as PageOwner[] | null) ?? []).map((w) => w.close()));
  }
}

/** What a social card shows, for a content page (its facts) or a generated one. */
type CardSubject = Pick<PageFacts, 'url' | 'title' | 'kicker' | 'description'>;

/**
 * Each page's social card, from the cache (keyed by what it shows and the generator, whose
 * version covers the card's template and renderer) or drawn now by the page owners, and
 * hard-linked from the cache into og/. When the og/ of `previous` (the dist/ this build
 * replaces) holds exactly these cards, nothing is written and `reuse` names that folder.
 */
async function writeCards(
  staging: string,
  previous: string,
  pages: CardSubject[],
  config: SiteConfig,
  logo: string,
  cache: BuildCache,
  ownersFor: (n: number) => PageOwner[],
): Promise<{ files: string[]; rendered: number; reuse: string | null }> {
  const files = pages.map((f) => cardFileForUrl(f.url));
  const host = new URL(config.origin).host;
  const texts = pages.map((f) => ({ title: f.title, kicker: f.kicker, description: f.description, siteName: config.name, host }));
  const keys = texts.map((text) => cache.pageKey('card', JSON.stringify(text), logo));
  const cached = new Map(files.map((f, i) => [f.slice(CARD_DIR.length + 1), cache.entryFile('cards', keys[i]!)!]));
  if (cache.enabled && holdsExactly(join(previous, CARD_DIR), cached)) {
    for (const key of keys) cache.use('cards', key);
    return { files, rendered: 0, reuse: CARD_DIR };
  }
  for (const d of new Set(files.map((f) => dirname(join(staging, f))))) await mkdir(d, { recursive: true });
  const toDraw: number[] = [];
  for (let k = 0; k < pages.length; k += 64) {
    await Promise.all(
      pages.slice(k, k + 64).map(async (_, j) => {
        if (!(await cache.linkEntry('cards', keys[k + j]!, join(staging, files[k + j]!)))) toDraw.push(k + j);
      }),
    );
  }
  toDraw.sort((a, b) => a - b);
  await forEachShare(
    ownersFor(toDraw.length),
    toDraw,
    20,
    (owner, share) => owner.cards(share.map((i) => ({ text: texts[i]!, logo }))),
    async (share, pngs) => {
      await Promise.all(
        share.map(async (i, k) => {
          await cache.putEntry('cards', keys[i]!, pngs[k]!);
          // Linked from the cache where there is one, so the next build can reuse og/ whole.
          if (!(await cache.linkEntry('cards', keys[i]!, join(staging, files[i]!)))) await writeFile(join(staging, files[i]!), pngs[k]!);
        }),
      );
    },
  );
  return { files, rendered: toDraw.length, reuse: null };
}

/**
 * Every page with where it is published, in path order (the first of two pages with one URL
 * keeps it): from `pages` when given, else read from `contentRoot` (a bounded number at a time).
 */
async function pageItems(contentRoot: string, pages: ParsedPage[] | undefined): Promise<PageItem[]> {
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

/** The report's artifacts that exist: path in the report -> file. */
async function reportArtifacts(report: SpecReport | null, reportDir: string): Promise<Map<string, string>> {
  const results = indexSpecResults(report, reportDir);
  const found = new Map<string, string>();
  for (const path of new Set(report?.cases.flatMap((c) => c.artifacts) ?? [])) {
    const file = results.artifact(path);
    if (
      file &&
      (await stat(file).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      found.set(path, file);
  }
  return found;
}

/** The console logs the report names, by their path in the report (missing files are left out). */
async function readConsoleLogs(report: SpecReport | null, reportDir: string): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  for (const c of report?.cases ?? []) {
    if (!c.consoleLog || logs.has(c.consoleLog)) continue;
    try {
      logs.set(c.consoleLog, await readFile(join(reportDir, c.consoleLog), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return logs;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What of the spec report a page shows, as a string for its cache key: nothing for a page
 * without transcripts, contract tables or artifacts; else the results of its cases and blocks.
 */
function resultsShown(
  report: SpecReport | null,
  reportDir: string,
  images: ArtifactImages,
  pages: PageFacts[],
  pageHashes: Record<string, string>,
): (f: PageFacts) => string {
  const fileByUrl = new Map(pages.map((p) => [p.url, p.file]));
  const byFile = new Map<string, unknown[]>();
  for (const c of report?.cases ?? []) {
    for (const file of new Set(c.blocks.map((b) => b.id.slice(0, b.id.lastIndexOf(':'))))) {
      if (!byFile.has(file)) byFile.set(file, []);
      byFile.get(file)!.push(c); // the case's line under its heading, and its blocks' output
    }
  }
  const pageHash = new Map((report?.pages ?? []).map((p) => [p.file, p.contentHash]));
  const artifacts = new Set(report?.cases.flatMap((c) => c.artifacts) ?? []);
  const run = report ? [report.machine, report.finishedAt.slice(0, 10)] : null;
  return (f) => {
    // Links to procedures on other pages show those cases' results (the Roadmap).
    const linked = f.links.flatMap((l) => {
      const file = l.target?.fragment ? fileByUrl.get(l.target.url) : undefined;
      return file && byFile.has(file) ? [[file, l.target!.fragment, pageHashes[file] ?? null, pageHash.get(file) ?? null, byFile.get(file)]] : [];
    });
    if (!f.showsResults && f.artifacts.length === 0 && linked.length === 0) return '';
    const pictured = f.artifacts.map((a) => [artifacts.has(a), images.images[a] ?? null, f.artifacts.map((b) => images.differing[pairKey(a, b)] ?? null)]);
    return JSON.stringify([run, pageHash.get(f.file) ?? null, byFile.get(f.file) ?? [], reportDir, pictured, linked]);
  };
}
