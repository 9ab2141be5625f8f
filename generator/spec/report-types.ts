// The JSON spec report: the one thing the runner hands to the site build and
// to the publish step. Both decide "fresh and green" from this alone.
// Written by the runner to DEFAULT_REPORT_DIR/report.json unless --out is given.

import type { MachineIdentity } from '../../onix/machine/machine.ts';
import type { Totals } from './counts.ts';
import type { ShownLine } from './spans.ts';

/** Where `npm run spec` writes its reports by default (ignored by git). */
export const DEFAULT_REPORT_DIR = '.spec';
export const REPORT_FILE = 'report.json';
export const REPORT_VERSION = 1;

export type BlockStatus = 'passed' | 'failed' | 'skipped' | 'error';

/**
 * One command's observed output. `stdout`/`stderr` are the output as UTF-8 text (JSON escapes
 * NUL and control characters, so they survive as they are). Output that is not valid UTF-8 is
 * also kept exactly: then `stdoutBase64`/`stderrBase64` hold the bytes, and the text fields show
 * each invalid byte as U+FFFD.
 */
export interface CommandReport {
  line: number;
  command: string;
  stdout: string;
  stderr: string;
  /** The exact bytes of stdout, base64, present only when they are not valid UTF-8. */
  stdoutBase64?: string;
  stderrBase64?: string;
  /** stderr went into stdout in time order (the default output rule); `stderr` is then "". */
  merged?: true;
  status: number;
  durationMs: number;
  /** Passed commands: the output per expected line with the characters matchers covered (spans.ts). */
  shown?: ShownLine[];
}

/** One executable block (a console transcript or a contract row). */
export interface BlockReport {
  /** Stable id: `<file>:<line>` of the block's opening fence (or table row). */
  id: string;
  file: string;
  line: number;
  kind: 'transcript' | 'contract-row';
  status: BlockStatus;
  /** Observed output per command, in order, as the runner saw it (see CommandReport). */
  commands: CommandReport[];
  /** Captured `{{name}}` values, observed. */
  captures: Record<string, string>;
  /** Unified diff (no colour) for a failure; "" otherwise. */
  diff: string;
  /** One-line reason for skipped/error. */
  message?: string;
  durationMs: number;
}

/** One case: a heading section holding transcripts, run on a fresh machine. */
export interface CaseReport {
  id: string;
  file: string;
  line: number;
  title: string;
  status: BlockStatus;
  durationMs: number;
  reboots: number;
  /** Where the console log of a failed case was saved, relative to the report dir. */
  consoleLog?: string;
  /** Files the case copied out of the machine (e.g. glprobe PNGs), relative to the report dir. */
  artifacts: string[];
  blocks: BlockReport[];
  /** The machine this case ran on, when known (fstx can change from case to case). */
  machine?: MachineIdentity;
  /** The case holds a spec error: its blocks did not run and are not counted (the spec error is). */
  specError?: true;
}

export interface PageReport {
  file: string;
  /** sha256 of the page source the run used; a report is fresh for a page only if it matches. */
  contentHash: string;
}

export interface SpecReport {
  version: typeof REPORT_VERSION;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  machine: MachineIdentity;
  /** Git commit of the source tree, or null outside git. */
  commit: string | null;
  /**
   * verifierHash() of the code that ran the spec (verifier.ts); a report without it (a live
   * view, an older run) is never reused or published.
   */
  verifier?: string;
  /** Shard "I/N" this report covers, or null for a whole run; merged reports have null. */
  shard: string | null;
  /** The --filter TEXT the run was limited to, when one was given (such a report covers only some cases). */
  filter?: string;
  pages: PageReport[];
  cases: CaseReport[];
  /** Counted by countReport (counts.ts): what the terminal's last line says. */
  totals: Totals;
  /** Mistakes in the spec itself (`file:line: message`); a report with any is not green. */
  specErrors?: Array<{ file: string; line: number; message: string }>;
}
