// Internal link and anchor checks across all pages, reported with file and line.

import type { PageFacts, PageProblem } from './analyze.ts';

/**
 * Problems for every link in `from` whose target page or anchor does not exist.
 * `pagesByUrl` holds every page; `staticUrls` the other files the build writes.
 */
export function checkLinks(from: PageFacts, pagesByUrl: ReadonlyMap<string, PageFacts>, staticUrls: ReadonlySet<string>): PageProblem[] {
  const problems: PageProblem[] = [];
  for (const link of from.links) {
    if (!link.target) continue;
    const { url, fragment } = link.target;
    const target = pagesByUrl.get(url);
    const shown = link.href;
    if (!target) {
      if (!staticUrls.has(url)) problems.push({ file: from.file, line: link.line, message: `broken link "${shown}": no page at ${url}` });
      continue;
    }
    if (fragment && !target.headingIds.has(fragment)) {
      problems.push({ file: from.file, line: link.line, message: `broken anchor "${shown}": ${target.file} has no heading with id "${fragment}"` });
    }
  }
  return problems;
}
