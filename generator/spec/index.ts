// The spec runner's public surface. Stages (see README.md): extract → execute →
// validate → render → update. Everything else is internal.

export { runSpec, shardOf, SpecRunError, DEFAULT_FILES, DEFAULT_TARGET, type RunSpecOptions, type RunSpecResult, type MachineFactory } from './run.ts';
export { loadReport, reportFreshness, mergeReports, writeReport, type Freshness, type ReportFormat } from './report.ts';
export { extractPage } from './extract.ts';
export { executeCase } from './execute.ts';
export { CaseValidator } from './validate.ts';
export { matchLines } from './match.ts';
export { planUpdates, applyEdits, writeUpdates } from './update.ts';
export { renderJUnit } from './render/junit.ts';
export { renderTap } from './render/tap.ts';
export { buildReport } from './render/json.ts';
export { SpecError, type SpecCase, type SpecBlock, type TranscriptBlock, type ContractRow, type SpecCommand, type ExtractedPage } from './types.ts';
export type { CaseOutcome, BlockOutcome, CommandOutcome } from './outcome.ts';
export * from './report-types.ts';
