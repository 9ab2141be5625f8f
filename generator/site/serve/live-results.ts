// The results the dev server shows with --spec: the live spec's report, and "running..." on
// each case (and its blocks) that runs after a save, until its result replaces it.

import type { BlockResult, CaseResult, SpecResults } from '../model/spec-results.ts';

export interface Running {
  /** Case ids (`<file>:<line>` of the heading) queued or running. */
  cases: ReadonlySet<string>;
  /** Block ids of those cases. */
  blocks: ReadonlySet<string>;
}

const runningCase: CaseResult = { status: 'running', note: '', machine: '', image: '', date: '', durationMs: 0, reboots: 0 };
const runningBlock: BlockResult = { status: 'running', note: '', machine: '', date: '', captures: {}, commands: {} };

/** `base`, with the running cases and blocks shown as running. */
export function withRunning(base: SpecResults, running: Running): SpecResults {
  if (running.cases.size === 0) return base;
  return {
    ...base,
    caseAt: (id, file, contentHash) => (running.cases.has(id) ? runningCase : base.caseAt(id, file, contentHash)),
    block: (id, file, contentHash) => (running.blocks.has(id) ? runningBlock : base.block(id, file, contentHash)),
  };
}
