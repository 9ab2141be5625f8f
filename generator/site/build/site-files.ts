// Every file of a build besides the content pages and what is cached with them (cards,
// search): the 404 page, the proof pages (the run that gated the build with its report,
// JUnit and console logs; the test machine), sitemap.xml, robots.txt, .nojekyll, the
// site's assets and CNAME, as output path -> bytes.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageManifest } from '../../../onix/image/manifest.ts';
import { renderJUnit } from '../../spec/render/junit.ts';
import type { SpecReport } from '../../spec/report-types.ts';
import type { PageFacts } from '../model/analyze.ts';
import type { SiteConfig } from '../model/config.ts';
import { MACHINE_PAGE_URL, RUN_PAGE_URL } from '../model/proof-urls.ts';
import { outputFileForUrl } from '../model/routes.ts';
import { renderMachinePage } from '../render/machine-page.ts';
import { notFoundPage } from '../render/not-found.ts';
import type { SpecialPage } from '../render/render-page.ts';
import { RUN_FILES, renderRunPage } from '../render/run-page.ts';
import { renderRobots, renderSitemap } from '../render/sitemap.ts';
import type { CardSubject } from './cards.ts';
import { readConsoleLogs } from './report-files.ts';

export interface SiteFilesInput {
  /** A generated page as a complete document, in the site's layout. */
  render: (page: SpecialPage) => Promise<string>;
  report: SpecReport | null;
  reportDir: string;
  manifest: ImageManifest | null;
  /** Every content page, in path order. */
  pages: PageFacts[];
  /** sha256 of every page's current text by file. */
  pageHashes: Record<string, string>;
  config: SiteConfig;
  /** Last commit date by content path. */
  dates: Map<string, string>;
  /** The site's assets: output path -> bytes. */
  assets: Map<string, Buffer>;
  /** Folder holding CNAME (without one, CNAME names the configured origin's host). */
  rootDir: string;
}

/** The files, and the social cards the generated pages need. */
export async function siteFiles(input: SiteFilesInput): Promise<{ files: Map<string, string | Buffer>; cards: CardSubject[] }> {
  const { report, config, pages, dates } = input;
  const other = new Map<string, string | Buffer>();
  other.set('404.html', await input.render(notFoundPage()));
  // The run that gated this build: its page, its report (JSON, JUnit) and console logs.
  const consoleLogs = await readConsoleLogs(report, input.reportDir);
  const run = renderRunPage({ report, pages, consoleLogs, pageHashes: input.pageHashes });
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
  other.set(outputFileForUrl(RUN_PAGE_URL), await input.render(runPage));
  if (report) {
    other.set(RUN_FILES.json, `${JSON.stringify(report, null, 2)}\n`);
    other.set(RUN_FILES.junit, renderJUnit(report));
    for (const [path, text] of consoleLogs) other.set(RUN_FILES.consoleLog(path), text);
  }
  // The machine it ran on, from the image's manifest.
  const machine = renderMachinePage(input.manifest, report);
  const machinePage: SpecialPage = {
    title: 'The test machine',
    kicker: 'what the spec runs on',
    description: machine.description,
    url: MACHINE_PAGE_URL,
    body: machine.body,
    toc: machine.toc,
  };
  other.set(outputFileForUrl(MACHINE_PAGE_URL), await input.render(machinePage));
  const generated = [RUN_PAGE_URL, MACHINE_PAGE_URL];
  other.set(
    'sitemap.xml',
    renderSitemap(config, [...pages.map((s) => ({ url: s.url, lastmod: dates.get(s.rel) ?? null })), ...generated.map((url) => ({ url, lastmod: null }))]),
  );
  other.set('robots.txt', renderRobots(config));
  other.set('.nojekyll', '');
  for (const [path, data] of input.assets) other.set(path, data);
  try {
    other.set('CNAME', await readFile(join(input.rootDir, 'CNAME')));
  } catch {
    other.set('CNAME', `${new URL(config.origin).host}\n`);
  }
  return { files: other, cards: [runPage, machinePage].map((p) => ({ ...p, kicker: p.kicker ?? '' })) };
}
