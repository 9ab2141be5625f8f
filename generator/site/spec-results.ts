// What the site shows of a spec report: per executable block its status, the machine it ran
// on and when, and the values its `{{name}}` captures observed. The report's types are the
// runner's (generator/spec/report-types.ts); this module only indexes them for rendering.

import { join } from 'node:path';
import type { BlockReport, CaseReport, SpecReport } from '../spec/report-types.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';

/** A block's result as a reader sees it. */
export interface BlockResult {
  status: 'passed' | 'failed' | 'not-run';
  /** Why a block is "not run" (no report, stale page, skipped); empty otherwise. */
  note: string;
  /** e.g. "vm · fstx 12", empty when not run. */
  machine: string;
  /** YYYY-MM-DD of the run, empty when not run. */
  date: string;
  captures: Record<string, string>;
}

export interface SpecResults {
  /** Result of the block whose opening fence (or table row) is at `id` = `<file>:<line>`. */
  block(id: string, file: string, contentHash: string): BlockResult;
  /** Artifact path relative to the report dir -> absolute path, when the report lists it. */
  artifact(path: string): string | null;
}

/** Index a report (or none) for rendering. `reportDir` resolves artifact paths. */
export function indexSpecResults(report: SpecReport | null | undefined, reportDir = DEFAULT_REPORT_DIR): SpecResults {
  const blocks = new Map<string, { block: BlockReport; kase: CaseReport }>();
  const pageHash = new Map<string, string>();
  const artifacts = new Set<string>();
  if (report) {
    for (const p of report.pages) pageHash.set(p.file, p.contentHash);
    for (const c of report.cases) {
      for (const a of c.artifacts) artifacts.add(a);
      for (const b of c.blocks) blocks.set(b.id, { block: b, kase: c });
    }
  }
  const machine = report ? [report.machine.target, report.machine.fstx ? `fstx ${report.machine.fstx}` : ''].filter(Boolean).join(' · ') : '';
  const date = report ? report.finishedAt.slice(0, 10) : '';
  const notRun = (note: string): BlockResult => ({ status: 'not-run', note, machine: '', date: '', captures: {} });

  return {
    block(id, file, contentHash) {
      if (!report) return notRun('no spec report yet');
      const hash = pageHash.get(file);
      if (hash === undefined) return notRun('not in the last spec run');
      if (hash !== contentHash) return notRun('page changed since the last spec run');
      const hit = blocks.get(id);
      if (!hit) return notRun('not in the last spec run');
      const { block, kase } = hit;
      // Captures bound in an earlier block of the same case are visible in later ones.
      const captures: Record<string, string> = {};
      for (const b of kase.blocks) Object.assign(captures, b.captures);
      Object.assign(captures, block.captures);
      if (block.status === 'passed') return { status: 'passed', note: '', machine, date, captures };
      if (block.status === 'failed' || block.status === 'error') return { status: 'failed', note: block.message ?? '', machine, date, captures };
      return { ...notRun(block.message ? `skipped: ${block.message}` : 'skipped'), captures };
    },
    artifact(path) {
      return artifacts.has(path) ? join(reportDir, path) : null;
    },
  };
}
