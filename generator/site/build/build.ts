// buildSite(): content/ -> dist/. Every page's facts (parsed, or from the cache) first, so
// the whole site is checked before anything is written; then each page's HTML (rendered by
// the thread that parsed it, or copied from the cache); then 404.html, each page's social
// card, sitemap.xml, robots.txt, assets, report artifacts, .nojekyll and CNAME; last the
// search index, made from the pages as written. The new dist/ is assembled
// beside the old one and takes its place at the end, so a failed build leaves dist/ as it
// was. Two builds of one commit are byte-identical, whatever the cache and thread count.
// This file runs the phases; each job is its own module beside it: the pages to build
// (page-items.ts), who parses and renders them (worker-pool.ts, page-store.ts), what is cached
// (cache.ts, results-shown.ts), the files besides the pages (site-files.ts, report-files.ts),
// social cards (cards.ts) and the search index (search-index.ts).

import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ImageManifest } from '../../../onix/image/manifest.ts';
import { claimDir, isSiteStaging, releaseDir, sweepOrphans } from '../../../onix/owned-dirs.ts';
import { contentName } from '../../content/find.ts';
import type { ParsedPage } from '../../content/parse.ts';
import { DEFAULT_REPORT_DIR, type SpecReport } from '../../spec/report-types.ts';
import type { PageFacts, PageProblem } from '../model/analyze.ts';
import { prepareArtifactImages } from '../model/artifact-images.ts';
import { defaultSiteConfig, type SiteConfig } from '../model/config.ts';
import { lastCommitDates } from '../model/git-dates.ts';
import { outputFileForUrl } from '../model/routes.ts';
import { BuildError, navOf, siteProblems } from '../model/site-model.ts';
import { loadSiteAssets } from '../render/assets.ts';
import { BuildCache, hashOf } from './cache.ts';
import { writeCards } from './cards.ts';
import type { BodyContext, HighlightStats, SiteContext } from './page-store.ts';
import { reportArtifacts, writeArtifacts } from './report-files.ts';
import { pageItems } from './page-items.ts';
import { resultsShown } from './results-shown.ts';
import { SEARCH_SCRIPT, writeSearchIndex } from './search-index.ts';
import { siteFiles } from './site-files.ts';
import { defaultWorkerCount, forEachShare, LocalOwner, type PageOwner, WorkerOwner } from './worker-pool.ts';

export { BuildError } from '../model/site-model.ts';

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
  /**
   * Where the time went: facts (read, parse, check), pages (render or copy, and write), the
   * rest (cards and search included; those two run side by side, each timed from their start).
   */
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

    // 3. The rest: 404 page, the proof pages, sitemap, robots.txt, assets, artifacts, CNAME.
    const { files: other, cards: generatedCards } = await siteFiles({
      render: (page) => local.store.special(body, site, page),
      report,
      reportDir,
      manifest: options.manifest ?? null,
      pages,
      pageHashes,
      config,
      dates,
      assets: assets.files,
      rootDir: options.rootDir ?? '.',
    });
    for (const [path, data] of other) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), data);
    }
    const artifacts = await writeArtifacts(staging, pages, artifactBytes);
    // Cards (drawn by the page owners) and the search index (Pagefind, a process of its own
    // that keeps about one core busy) at the same time: neither reads what the other writes.
    const lastStarted = performance.now();
    const searchKey = hashOf(...pages.map((f, i) => `${f.url}\0${pageKeys[i]}`));
    const since = async <T>(work: Promise<T>): Promise<[T, number]> => [await work, performance.now() - lastStarted];
    const [[cards, cardsMs], [search, searchMs]] = await Promise.all([
      since(writeCards(staging, outDir, [...pages, ...generatedCards], config, assets.files.get('assets/logo.svg')!.toString('utf8'), cache, ownersFor)),
      since(writeSearchIndex(staging, searchKey, cache, outDir)),
    ]);
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
        cards: cardsMs,
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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
