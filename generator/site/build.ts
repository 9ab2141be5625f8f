// buildSite(): content/ -> dist/. Load and check every page (one parse each), then render
// with one highlighter, then write plain files: pages, 404.html, sitemap.xml, robots.txt,
// assets, report artifacts, .nojekyll and CNAME. Two builds of one commit are byte-identical.

import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { h } from 'hastscript';
import type { SpecReport } from '../spec/report-types.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';
import { ParseCache } from '../markdown/parse-cache.ts';
import { loadSiteAssets } from './assets.ts';
import { defaultSiteConfig, type SiteConfig } from './config.ts';
import { lastCommitDates } from './git-dates.ts';
import { highlightJobs } from './code-block.ts';
import { createCodeHighlighter, type CodeHighlighter } from './highlight.ts';
import { displayPath, findMarkdownFiles } from './pages.ts';
import { defaultWorkerCount, WorkerPool } from './worker-pool.ts';
import { createPageRenderer } from './render-page.ts';
import { outputFileForUrl } from './routes.ts';
import { BuildError, SiteModel } from './site-model.ts';
import { renderRobots, renderSitemap } from './sitemap.ts';
import { indexSpecResults } from './spec-results.ts';

export { BuildError } from './site-model.ts';

export interface BuildOptions {
  /** Folder of Markdown pages (default: "content"). */
  contentDir?: string;
  /** Output folder, emptied first (default: "dist"). */
  outDir?: string;
  /** Spec report whose results the pages show (default: none, every block "not run"). */
  report?: SpecReport | null;
  /** Folder the report's artifact paths are relative to (default: ".spec"). */
  reportDir?: string;
  /** Folder holding CNAME, copied into the output (default: the current directory). */
  rootDir?: string;
  /** Highlight cache folder; null for none (default: ".cache/site"). */
  cacheDir?: string | null;
  /** Overrides of the site facts (default: onix-os.com). */
  site?: Partial<SiteConfig>;
  /** Read last-updated dates from git (default: true). */
  gitDates?: boolean;
  /**
   * Worker threads for parsing and highlighting; used only when a build has enough uncached
   * pages or blocks to pay for starting them. 0 or 1: none (default: one per CPU, at most 4).
   */
  workers?: number;
}

export interface BuildResult {
  outDir: string;
  pages: number;
  /** Every file written, relative to outDir, sorted. */
  files: string[];
  /** Code blocks tokenised now / taken from the highlight cache. */
  highlighted: { tokenized: number; cached: number };
  /** Pages parsed now / taken from the parse cache. */
  parsed: { parsed: number; cached: number };
  /** Worker threads the build used (0: all on the main thread). */
  workers: number;
  durationMs: number;
  /** Where the time went: parse and check, render (highlighting included), write. */
  phasesMs: { load: number; render: number; write: number };
}

export async function buildSite(options: BuildOptions = {}): Promise<BuildResult> {
  const workers = options.workers ?? defaultWorkerCount();
  let pool: WorkerPool | null = null;
  try {
    return await build(options, workers > 1 ? () => (pool ??= new WorkerPool(workers)) : null);
  } finally {
    await (pool as WorkerPool | null)?.close();
  }
}

async function build(options: BuildOptions, getPool: (() => WorkerPool) | null): Promise<BuildResult> {
  const started = performance.now();
  let poolUsed = 0;
  const usePool = getPool ? () => {
    const p = getPool();
    poolUsed = p.size;
    return p;
  } : null;
  const contentDir = options.contentDir ?? 'content';
  const outDir = resolve(options.outDir ?? 'dist');
  const reportDir = options.reportDir ?? DEFAULT_REPORT_DIR;
  const config: SiteConfig = { ...defaultSiteConfig, ...options.site };
  const cacheDir = options.cacheDir === undefined ? '.cache/site' : options.cacheDir;

  const parseCache = await ParseCache.open(cacheDir ? join(cacheDir, 'parse.v8') : null);
  if (usePool) await parseInWorkers(contentDir, parseCache, usePool);
  const [model, dates, assets] = await Promise.all([
    SiteModel.load(contentDir, parseCache),
    options.gitDates === false ? Promise.resolve(new Map<string, string>()) : lastCommitDates(contentDir),
    loadSiteAssets(),
  ]);
  await parseCache.save();
  const loadedAt = performance.now();
  const problems = model.problems();
  if (problems.length) throw new BuildError(problems);

  const results = indexSpecResults(options.report ?? null, reportDir);
  const artifacts = new Map<string, string>(); // output path -> source file
  const highlighter = await createCodeHighlighter(cacheDir ? { cacheFile: join(cacheDir, 'highlight.json') } : {});
  const out = new Map<string, string | Buffer>();
  try {
    if (usePool) await tokenizeInWorkers(model, highlighter, usePool);
    const renderer = createPageRenderer({
      config,
      nav: model.nav(),
      assets: assets.urls,
      lastUpdated: (rel) => dates.get(rel) ?? null,
      highlighter,
      results,
      artifactUrl(path) {
        const source = results.artifact(path);
        if (!source) return null;
        const target = `spec-artifacts/${path.replace(/^\/+/, '')}`;
        artifacts.set(target, source);
        return `/${target}`;
      },
    });
    for (const summary of model.pages.values()) out.set(outputFileForUrl(summary.url), renderer.render(summary));
    out.set('404.html', renderer.renderSpecial({
      title: 'Page not found',
      description: 'There is no page at this address.',
      url: '/404.html',
      body: [h('p', ['There is no page at this address. Start again from the ', h('a', { href: '/' }, 'home page'), '.'])],
    }));
  } finally {
    await highlighter.dispose();
  }

  const renderedAt = performance.now();
  const pages = [...model.pages.values()];
  out.set('sitemap.xml', renderSitemap(config, pages.map((s) => ({ url: s.url, lastmod: dates.get(s.rel) ?? null }))));
  out.set('robots.txt', renderRobots(config));
  out.set('.nojekyll', '');
  for (const [path, data] of assets.files) out.set(path, data);
  try {
    out.set('CNAME', await readFile(join(options.rootDir ?? '.', 'CNAME')));
  } catch {
    out.set('CNAME', `${new URL(config.origin).host}\n`);
  }

  await rm(outDir, { recursive: true, force: true });
  await writeOutput(outDir, out);
  for (const [target, source] of artifacts) {
    await mkdir(dirname(join(outDir, target)), { recursive: true });
    await copyFile(source, join(outDir, target));
  }

  return {
    outDir,
    pages: pages.length,
    files: [...out.keys(), ...artifacts.keys()].sort(),
    highlighted: { ...highlighter.stats },
    parsed: { ...parseCache.stats },
    workers: poolUsed,
    durationMs: performance.now() - started,
    phasesMs: { load: loadedAt - started, render: renderedAt - loadedAt, write: performance.now() - renderedAt },
  };
}

/** Pages a build must have to parse before it starts worker threads for them. */
const PARALLEL_MIN_PAGES = 200;
/** Code blocks a build must have to tokenise before it starts worker threads for them. */
const PARALLEL_MIN_BLOCKS = 400;

/** Parse the pages missing from the cache in worker threads (big cold builds only). */
async function parseInWorkers(contentDir: string, cache: ParseCache, pool: () => WorkerPool): Promise<void> {
  const files = await findMarkdownFiles(contentDir);
  if (files.length < PARALLEL_MIN_PAGES) return;
  const sources: Array<{ file: string; source: string }> = [];
  for (let i = 0; i < files.length; i += 64) {
    sources.push(...(await Promise.all(files.slice(i, i + 64).map(async (f) => ({ file: displayPath(f), source: await readFile(f, 'utf8') })))));
  }
  const missing = cache.missing(sources);
  if (missing.length < PARALLEL_MIN_PAGES) return;
  const results = await pool().parse(missing.map(({ file, source }) => ({ file, source })));
  results.forEach((r, i) => {
    if (r.ok) cache.add(missing[i]!.contentHash, { frontMatter: r.frontMatter, bodyLine: r.bodyLine, tree: r.tree });
  });
}

/** Tokenise the code blocks missing from the highlight cache in worker threads. */
async function tokenizeInWorkers(model: SiteModel, highlighter: CodeHighlighter, pool: () => WorkerPool): Promise<void> {
  const jobs: Array<{ code: string; lang: string }> = [];
  for (const s of model.pages.values()) for (const node of s.codeBlocks) jobs.push(...highlightJobs(node));
  const missing = highlighter.missing(jobs);
  if (missing.length < PARALLEL_MIN_BLOCKS) return;
  const tokens = await pool().tokenize(missing);
  missing.forEach((job, i) => highlighter.fill(job, tokens[i]!));
}

/** Write every file, creating each folder once, a bounded number of writes at a time. */
async function writeOutput(outDir: string, files: Map<string, string | Buffer>): Promise<void> {
  const dirs = new Set<string>();
  for (const path of files.keys()) dirs.add(dirname(join(outDir, path)));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  const entries = [...files.entries()];
  const width = 64;
  for (let i = 0; i < entries.length; i += width) {
    await Promise.all(entries.slice(i, i + width).map(([path, data]) => writeFile(join(outDir, path), data)));
  }
}
