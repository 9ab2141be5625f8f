// The publish gate: the rules a spec report must meet before dist/ may go out.
// Each rule is a small function returning the one-line reason it fails, or null.
// The rules, in the order they are checked (the first failing one is reported):
//   1. whole run: not a single shard's report (merge the shards first);
//   2. target: produced on `vm` or `ssh`, never `local` or `sandbox`;
//   3. green: no failed or errored case or block, no spec error, and something passed;
//   4. fresh: the page content hashes equal those of content/ now, page for page, the run
//      was not limited by --filter, and this checkout's code ran it (verifier.ts).
// Green and fresh are decided by the spec runner's reportFreshness(), the one place
// that judges reports (the site build uses it too); this module words the refusal.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { reportFreshness, type Freshness } from '../spec/report.ts';
import { verifierHash } from '../spec/verifier.ts';
import type { SpecReport } from '../spec/report-types.ts';

/** A page as publishing sees it: its path relative to the project root and its sha256. */
export interface PageHash {
  file: string;
  contentHash: string;
}

/** Targets whose reports may publish: they run ONIX's own kernel and init. */
export const PUBLISHING_TARGETS = ['vm', 'ssh'] as const;

/** `ssh://user@host` and `ssh` are the ssh target; everything else by name. */
export function targetKind(target: string): string {
  return target.startsWith('ssh://') ? 'ssh' : target;
}

export function wholeRunProblem(report: SpecReport): string | null {
  if (report.shard === null) return null;
  return `the spec report covers only shard ${report.shard}: merge the shard reports first`;
}

export function targetProblem(report: SpecReport): string | null {
  const kind = targetKind(report.machine.target);
  if ((PUBLISHING_TARGETS as readonly string[]).includes(kind)) return null;
  return `the spec ran against the '${report.machine.target}' target; publishing needs a run on 'vm' or 'ssh'`;
}

function isBad(status: string): boolean {
  return status === 'failed' || status === 'error';
}

/** Pages and report paths, both made posix and relative to `root`, for reportFreshness(). */
export function freshnessFor(root: string, report: SpecReport, pages: PageHash[]): Freshness {
  const ran = { ...report, pages: report.pages.map((p) => ({ file: pagePath(root, p.file), contentHash: p.contentHash })) };
  return reportFreshness(
    ran,
    pages.map((p) => ({ file: pagePath(root, p.file), contentHash: p.contentHash })),
    { verifier: verifierHash() },
  );
}

/** Green is the spec runner's verdict (reportFreshness), plus: no case marked bad, and something passed. */
export function greenProblem(report: SpecReport, freshness: Freshness): string | null {
  const badCases = report.cases.filter((c) => isBad(c.status));
  if (!freshness.green || badCases.length > 0) {
    const count = freshness.failing.length;
    const firstId = freshness.failing[0];
    const owner = report.cases.find((c) => c.blocks.some((b) => b.id === firstId)) ?? badCases[0];
    const block = owner?.blocks.find((b) => b.id === firstId);
    if (owner) {
      const title = owner.title ? ` in "${owner.title}"` : '';
      const why = block?.message ? ` (${block.message})` : '';
      const noun = count === 1 ? 'block' : 'blocks';
      return `the spec report is red: ${count} failing ${noun}, first ${block?.id ?? owner.id}${title}${why}`;
    }
    return `the spec report is red: ${freshness.reasons[0] ?? 'it says so'}`;
  }
  const passed = report.cases.flatMap((c) => c.blocks).filter((b) => b.status === 'passed').length;
  if (passed === 0) return 'the spec report verified nothing: no block passed';
  return null;
}

/** Normalise a page path to posix, relative to `root` (relative paths are taken as relative to `root`). */
export function pagePath(root: string, file: string): string {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  return relative(root, abs).split(sep).join('/');
}

/**
 * Fresh is the spec runner's verdict (reportFreshness: same files, same hashes, whole
 * run). The message names the first page (in path order) that differs.
 */
export function freshnessProblem(root: string, report: SpecReport, pages: PageHash[], freshness: Freshness): string | null {
  if (freshness.fresh) return null;
  if (report.filter) return `the spec report covers only cases matching --filter ${report.filter}`;
  const ran = new Map(report.pages.map((p) => [pagePath(root, p.file), p.contentHash]));
  const stale = new Set(freshness.stale);
  const first = [...freshness.stale, ...freshness.extra].sort()[0];
  if (first === undefined) return `the spec report is stale: ${freshness.reasons[0] ?? 'it says so'}`;
  if (!stale.has(first)) return `the spec report is stale: ${first} is in it but no longer in content/`;
  const before = ran.get(first);
  if (before === undefined) return `the spec report is stale: ${first} is not covered by it (a new page, or a run on some pages only)`;
  const now = pages.find((p) => pagePath(root, p.file) === first)?.contentHash ?? '';
  return `the spec report is stale: ${first} changed since the spec ran (sha256 ${before.slice(0, 12)} then, ${now.slice(0, 12)} now)`;
}

/** All gate rules in order; the first reason found, or null when the report may publish. */
export function gateProblem(root: string, report: SpecReport, pages: PageHash[]): string | null {
  const freshness = freshnessFor(root, report, pages);
  return wholeRunProblem(report) ?? targetProblem(report) ?? greenProblem(report, freshness) ?? freshnessProblem(root, report, pages, freshness);
}
