// Outcomes → the JSON report (report-types.ts), the one record the site and
// the publish step read.

import type { MachineIdentity } from '../../../onix/machine/machine.ts';
import type { CaseOutcome } from '../outcome.ts';
import { type BlockReport, type CaseReport, REPORT_VERSION, type SpecReport } from '../report-types.ts';
import type { SpecError } from '../types.ts';
import { countBlocks } from './terminal.ts';

export interface ReportInput {
  outcomes: CaseOutcome[];
  pages: { file: string; contentHash: string }[];
  machine: MachineIdentity;
  startedAt: Date;
  finishedAt: Date;
  commit: string | null;
  shard: string | null;
  specErrors: SpecError[];
  /** Console log paths (relative to the report dir) by case id, written by the caller. */
  consoleLogs?: Map<string, string>;
}

export function caseReport(o: CaseOutcome, consoleLog?: string): CaseReport {
  const blocks: BlockReport[] = o.blocks.map((b) => ({
    id: b.block.id,
    file: b.block.file,
    line: b.block.line,
    kind: b.block.kind === 'transcript' ? 'transcript' : 'contract-row',
    status: b.status,
    commands: b.commands
      .filter((c) => c.observation)
      .map((c) => ({
        line: c.spec.line,
        command: c.observation!.command,
        stdout: c.observation!.stdout,
        stderr: c.observation!.stderr,
        status: c.observation!.status,
        durationMs: Math.round(c.observation!.durationMs * 1000) / 1000,
        ...(c.shown ? { shown: c.shown } : {}),
      })),
    captures: b.captures,
    diff: b.diff,
    ...(b.message ? { message: b.message } : {}),
    durationMs: Math.round(b.durationMs * 1000) / 1000,
  }));
  return {
    id: o.spec.id,
    file: o.spec.file,
    line: o.spec.line,
    title: o.spec.title,
    status: o.status,
    durationMs: Math.round(o.durationMs * 1000) / 1000,
    reboots: o.reboots,
    ...(consoleLog ? { consoleLog } : {}),
    artifacts: [...(o.artifacts?.keys() ?? [])].map((name) => `artifacts/${name}`),
    blocks,
    ...(o.machine ? { machine: o.machine } : {}),
  };
}

export function buildReport(input: ReportInput): SpecReport {
  const counts = countBlocks(input.outcomes);
  return {
    version: REPORT_VERSION,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    machine: input.machine,
    commit: input.commit,
    shard: input.shard,
    pages: input.pages.map((p) => ({ file: p.file, contentHash: p.contentHash })),
    cases: input.outcomes.map((o) => caseReport(o, input.consoleLogs?.get(o.spec.id))),
    totals: { passed: counts.passed, failed: counts.failed, skipped: counts.skipped, errors: counts.errors },
    specErrors: input.specErrors.map((e) => ({ file: e.file, line: e.line, message: e.detail })),
  };
}
