// The publish gate: the rules a spec report must meet before dist/ may go out.
// Each rule is a small function returning the one-line reason it fails, or null.
// The rules, in the order they are checked (the first failing one is reported):
//   1. whole run: not a single shard's report (merge the shards first);
//   2. target: produced on `vm` or `ssh`, never `local` or `sandbox`;
//   3. green: no failed or errored case or block, and something actually passed;
//   4. fresh: the page content hashes equal those of content/ now, page for page.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { BlockReport, CaseReport, SpecReport } from '../spec/report-types.ts';

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

function describeCase(c: CaseReport, block?: BlockReport): string {
  const where = block ? block.id : c.id;
  const title = c.title ? ` "${c.title}"` : '';
  const why = block?.message ?? (block ? '' : '');
  return `${where}${title}${why ? ` (${why})` : ''}`;
}

export function greenProblem(report: SpecReport): string | null {
  const badCases = report.cases.filter((c) => isBad(c.status) || c.blocks.some((b) => isBad(b.status)));
  const { failed, errors, passed } = report.totals;
  if (badCases.length > 0 || failed > 0 || errors > 0) {
    const first = badCases[0];
    const count = Math.max(badCases.length, failed + errors);
    const noun = count === 1 ? 'case' : 'cases';
    if (!first) return `the spec report is red: totals say ${failed} failed, ${errors} errors`;
    const block = first.blocks.find((b) => isBad(b.status));
    return `the spec report is red: ${count} failed ${noun}, first ${describeCase(first, block)}`;
  }
  const passedCases = report.cases.filter((c) => c.status === 'passed').length;
  if (passedCases === 0 || passed === 0) return 'the spec report verified nothing: no case passed';
  return null;
}

/** Normalise a page path to posix, relative to `root` (paths in reports are relative to the cwd the runner had). */
export function pagePath(root: string, file: string): string {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  return relative(root, abs).split(sep).join('/');
}

/**
 * The first page (in path order) whose hash differs between the report and content/ now,
 * with the reason, or null when every page matches and no page is missing on either side.
 * (H-spec's reportFreshness() is to decide this in one place; see publish.ts.)
 */
export function freshnessProblem(root: string, report: SpecReport, pages: PageHash[]): string | null {
  const ran = new Map(report.pages.map((p) => [pagePath(root, p.file), p.contentHash]));
  const now = new Map(pages.map((p) => [pagePath(root, p.file), p.contentHash]));
  const files = [...new Set([...ran.keys(), ...now.keys()])].sort();
  for (const file of files) {
    const before = ran.get(file);
    const after = now.get(file);
    if (before === after) continue;
    if (before === undefined) return `the spec report is stale: ${file} is not in it (new page?)`;
    if (after === undefined) return `the spec report is stale: ${file} is in it but no longer in content/`;
    return `the spec report is stale: ${file} changed since the spec ran (sha256 ${before.slice(0, 12)} then, ${after.slice(0, 12)} now)`;
  }
  return null;
}

/** All gate rules in order; the first reason found, or null when the report may publish. */
export function gateProblem(root: string, report: SpecReport, pages: PageHash[]): string | null {
  return wholeRunProblem(report) ?? targetProblem(report) ?? greenProblem(report) ?? freshnessProblem(root, report, pages);
}
