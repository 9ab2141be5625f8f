// Outcomes → the JSON report (report-types.ts), the one record the site and
// the publish step read.

import type { MachineIdentity } from '../../../onix/machine/machine.ts';
import type { CaseOutcome } from '../outcome.ts';
import { type BlockReport, type CaseReport, type CommandReport, REPORT_VERSION, type SpecReport } from '../report-types.ts';
import type { CommandObservation } from '../outcome.ts';
import type { SpecError } from '../types.ts';
import { countReport } from '../counts.ts';

export interface ReportInput {
  outcomes: CaseOutcome[];
  pages: { file: string; contentHash: string }[];
  machine: MachineIdentity;
  startedAt: Date;
  finishedAt: Date;
  commit: string | null;
  /** verifierHash() of the code that ran (generator/spec/verifier.ts). */
  verifier?: string;
  shard: string | null;
  specErrors: SpecError[];
  /** Console log paths (relative to the report dir) by case id, written by the caller. */
  consoleLogs?: Map<string, string>;
  /** Ids of cases that hold a spec error (not run, not counted). */
  brokenCases?: ReadonlySet<string>;
}

/** The bytes, base64, when the text does not hold them exactly (not valid UTF-8). */
function exactBytes(text: string, bytes: Buffer | undefined): string | undefined {
  return bytes && !Buffer.from(text, 'utf8').equals(bytes) ? bytes.toString('base64') : undefined;
}

function commandReport(line: number, obs: CommandObservation): CommandReport {
  const out: CommandReport = {
    line,
    command: obs.command,
    stdout: obs.stdout,
    stderr: obs.stderr,
    status: obs.status,
    durationMs: Math.round(obs.durationMs * 1000) / 1000,
  };
  const stdoutBase64 = exactBytes(obs.stdout, obs.bytes?.stdout);
  const stderrBase64 = exactBytes(obs.stderr, obs.bytes?.stderr);
  if (stdoutBase64) out.stdoutBase64 = stdoutBase64;
  if (stderrBase64) out.stderrBase64 = stderrBase64;
  if (obs.merged) out.merged = true;
  return out;
}

export function caseReport(o: CaseOutcome, consoleLog?: string, specError = false): CaseReport {
  const blocks: BlockReport[] = o.blocks.map((b) => ({
    id: b.block.id,
    file: b.block.file,
    line: b.block.line,
    kind: b.block.kind === 'transcript' ? 'transcript' : 'contract-row',
    status: b.status,
    commands: b.commands.filter((c) => c.observation).map((c) => ({ ...commandReport(c.spec.line, c.observation!), ...(c.shown ? { shown: c.shown } : {}) })),
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
    ...(specError ? { specError: true as const } : {}),
  };
}

export function buildReport(input: ReportInput): SpecReport {
  const cases = input.outcomes.map((o) => caseReport(o, input.consoleLogs?.get(o.spec.id), input.brokenCases?.has(o.spec.id) ?? false));
  const specErrors = input.specErrors.map((e) => ({ file: e.file, line: e.line, message: e.detail }));
  return {
    version: REPORT_VERSION,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    machine: input.machine,
    commit: input.commit,
    ...(input.verifier ? { verifier: input.verifier } : {}),
    shard: input.shard,
    pages: input.pages.map((p) => ({ file: p.file, contentHash: p.contentHash })),
    cases,
    totals: countReport({ cases, specErrors }),
    specErrors,
  };
}
