// Spec-gated publishing: read the report, check it against content/ now, build dist/,
// lay out the branch and push it. Stages, each with one job:
//   gate   (report-file.ts, gate.ts)  report -> refusal reason or null
//   source (source.ts)                git -> source commit, date, origin
//   build  (injected)                 report -> dist dir
//   plan   (site-tree.ts)             dist -> the exact file list of the branch
//   push   (push.ts)                  files -> commit and tree on the remote
// A refusal in a real run throws PublishRefusal before anything is built or pushed.
// A dry run goes through every stage but the push and returns the verdict instead.

import { dirname, join, relative, resolve } from 'node:path';
import type { SpecReport } from '../spec/report-types.ts';
import { loadContent } from '../content/load.ts';
import { gateProblem, type PageHash } from './gate.ts';
import { pushSite, type PushResult } from './push.ts';
import { PublishFailure, PublishRefusal, oneLine, redactUrl } from './refusal.ts';
import { DEFAULT_REPORT_PATH, readReportFile } from './report-file.ts';
import { plannedFiles, readDomain } from './site-tree.ts';
import { currentBranch, normaliseRepo, originUrl, sourceCommit, type SourceCommit } from './source.ts';

export interface PublishOptions {
  /** Project root holding content/, CNAME and .spec/ (default: process.cwd()). */
  root?: string;
  /** The spec report (default: `<root>/.spec/report.json`). */
  reportPath?: string;
  /** Remote URL or path (default: the checkout's `origin` remote). */
  repo?: string;
  /** Branch to publish to (default: "gh-pages"). */
  branch?: string;
  /** Go through every check and the build, list the files, push nothing (default: false). */
  dryRun?: boolean;
  /** Build the site and return the dist directory (the CLI uses buildSite into `<root>/dist`). */
  build: (input: BuildInput) => Promise<string>;
  /** The pages of content/ now (default: loadContent(`<root>/content`)). */
  pages?: (root: string) => Promise<PageHash[]>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface BuildInput {
  /** The report the pages show; null when the gate refused (a dry run still builds). */
  report: SpecReport | null;
  root: string;
  /** Folder the report's artifact paths are relative to. */
  reportDir: string;
}

export type Verdict = { publish: true; reason: string } | { publish: false; reason: string };

export interface PublishOutcome {
  verdict: Verdict;
  /** Paths the branch holds (or would hold); empty when the build failed in a dry run. */
  files: string[];
  /** Remote, credentials removed. */
  repo: string;
  branch: string;
  /** The commit message (empty when there is no source commit). */
  message: string;
  /** Set when a real run pushed. */
  pushed?: PushResult;
}

/** Every page of `<root>/content` with its sha256, paths absolute. */
export async function contentPages(root: string): Promise<PageHash[]> {
  const pages = await loadContent(join(root, 'content'));
  return pages.map((p) => ({ file: resolve(p.file), contentHash: p.contentHash }));
}

/** The publish commit's message: subject names the source commit and the fstx; body the run. */
export function commitMessage(source: SourceCommit, report: SpecReport, domain: string): string {
  const m = report.machine;
  const { passed, failed, skipped, errors } = report.totals;
  const fstx = m.fstx ?? 'none';
  return [
    `Publish ${domain} from ${source.commit.slice(0, 12)} (spec green on ${m.target}, fstx ${fstx})`,
    '',
    `Source commit: ${source.commit}${source.dirty ? ' (with uncommitted changes)' : ''}`,
    `Spec: ${passed} passed, ${failed} failed, ${errors} errors, ${skipped} skipped on ${m.target} (${m.host})`,
    `Machine: image ${m.imageId ?? 'none'}, fstx ${fstx}`,
    `Spec run: ${report.startedAt} to ${report.finishedAt} on commit ${report.commit ?? 'unknown'}`,
    '',
  ].join('\n');
}

function summary(report: SpecReport, pages: number): string {
  const m = report.machine;
  return `green on ${m.target} (${m.host}), fstx ${m.fstx ?? 'none'}, ${report.totals.passed} passed, fresh for ${pages} pages`;
}

export async function publishSite(options: PublishOptions): Promise<PublishOutcome> {
  const root = resolve(options.root ?? process.cwd());
  const reportPath = resolve(root, options.reportPath ?? DEFAULT_REPORT_PATH);
  const shownReport = relative(process.cwd(), reportPath) || reportPath;
  const branch = options.branch ?? 'gh-pages';
  const dryRun = options.dryRun ?? false;
  const log = options.log ?? (() => {});
  let refusal: string | null = null;
  const refuse = (error: unknown): void => {
    if (!(error instanceof PublishRefusal)) throw error;
    refusal ??= error.message;
    if (!dryRun) throw error;
  };

  // Gate.
  let report: SpecReport | null = null;
  try {
    report = await readReportFile(reportPath, shownReport);
    const pages = await (options.pages ?? contentPages)(root);
    const problem = gateProblem(root, report, pages);
    if (problem) throw new PublishRefusal(problem);
    log(`report ${shownReport}: ${summary(report, pages.length)}`);
  } catch (error) {
    refuse(error);
  }

  // Source and remote.
  const domain = await readDomain(root);
  let message = '';
  let source: SourceCommit | null = null;
  try {
    source = await sourceCommit(root);
    if (report) message = commitMessage(source, report, domain);
  } catch (error) {
    refuse(error);
  }
  let repo = options.repo ? normaliseRepo(options.repo) : '';
  try {
    const origin = await originUrl(root).catch((error: unknown) => {
      if (repo) return null;
      throw error;
    });
    if (!repo) repo = origin ?? '';
    // Publishing replaces the branch's tree with dist/: never onto the branch being published from.
    const checkedOut = await currentBranch(root);
    if (checkedOut === branch && origin !== null && normaliseRepo(origin, root) === repo) {
      throw new PublishRefusal(`refusing to publish onto ${branch}, the branch this checkout is on`);
    }
  } catch (error) {
    refuse(error);
  }

  // Build and plan.
  let files: string[] = [];
  let distDir = '';
  try {
    distDir = await options.build({ report: refusal === null ? report : null, root, reportDir: dirname(reportPath) });
    files = await plannedFiles(distDir, domain);
    log(`built ${relative(process.cwd(), distDir) || distDir}: ${files.length} files to publish`);
  } catch (error) {
    if (error instanceof PublishRefusal) refuse(error);
    else if (dryRun) {
      log(`the site build failed: ${oneLine(error)}`);
      refusal ??= `the site build failed: ${oneLine(error)}`;
    } else throw new PublishFailure(`the site build failed: ${oneLine(error)}`);
  }

  const shownRepo = redactUrl(repo);
  if (refusal !== null || !source || !report) {
    return { verdict: { publish: false, reason: refusal ?? 'no report' }, files, repo: shownRepo, branch, message };
  }
  const reason = message.split('\n')[0] ?? '';
  if (dryRun) return { verdict: { publish: true, reason }, files, repo: shownRepo, branch, message };

  // Push.
  const pushed = await pushSite({ distDir, files, domain, repo, branch, message, date: source.date });
  return { verdict: { publish: true, reason }, files, repo: shownRepo, branch, message, pushed };
}
