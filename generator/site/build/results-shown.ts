// The part of a page's cache key that comes from the spec report: exactly what of the report
// the page shows, so a new report re-renders only the pages whose results changed.

import type { SpecReport } from '../../spec/report-types.ts';
import type { PageFacts } from '../model/analyze.ts';
import { type ArtifactImages, pairKey } from '../model/artifact-images.ts';

/**
 * What of the spec report a page shows, as a string for its cache key: nothing for a page
 * without transcripts, contract tables or artifacts; else the results of its cases and blocks.
 */
export function resultsShown(
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
