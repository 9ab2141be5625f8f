// What execution observes and what validation concludes. An outcome record is
// all a renderer (terminal, JSON, JUnit, TAP) and the updater ever see.

import type { MachineIdentity } from '../../onix/machine/machine.ts';
import type { BlockStatus } from './report-types.ts';
import type { ShownLine } from './spans.ts';
import type { SpecBlock, SpecCase, SpecCommand } from './types.ts';

/** One command as it ran. */
export interface CommandObservation {
  /** The command text sent to the shell (captures substituted). */
  command: string;
  stdout: string;
  stderr: string;
  status: number;
  timedOut: boolean;
  durationMs: number;
  /** The command ran as `reboot` (intercepted: the machine rebooted). */
  reboot?: boolean;
  /** stderr went into stdout (the default, merged mode): `stdout` holds both in time order, `stderr` is "". */
  merged?: boolean;
  /** The exact bytes when the machine reported them (output that is not UTF-8 is kept here). */
  bytes?: { stdout: Buffer; stderr: Buffer };
}

export type CommandStatus = 'passed' | 'failed' | 'error' | 'not-run';

export interface CommandOutcome {
  /** The command as written in the spec. */
  spec: SpecCommand;
  status: CommandStatus;
  observation: CommandObservation | null;
  /** Expected lines as written (stdout, `--- stderr` and stderr, `[N]`), with their source lines. */
  expected: { text: string; line: number }[];
  /** Observed output in the expected notation (see match.ts); what `--update` writes. */
  normalized: string[];
  /** Unified diff of expected against normalized observed, no colour; "" when passed. */
  diff: string;
  /** Captures this command's expected lines mention, with observed values. */
  captures: Record<string, string>;
  /** Why it errored or was not run. */
  message?: string;
  /** Not run (or not checked) because this capture was not bound: the line that binds it did not match. */
  unbound?: string;
  /** A passed command's output as readers see it (spans.ts); absent otherwise. */
  shown?: ShownLine[];
}

export interface BlockOutcome {
  block: SpecBlock;
  status: BlockStatus;
  commands: CommandOutcome[];
  captures: Record<string, string>;
  /** All command diffs of the block, joined; "" when passed. */
  diff: string;
  message?: string;
  durationMs: number;
}

export interface CaseOutcome {
  spec: SpecCase;
  status: BlockStatus;
  message?: string;
  blocks: BlockOutcome[];
  durationMs: number;
  reboots: number;
  machine: MachineIdentity | null;
  /** The machine's console log of the case, when the machine has one. */
  consoleLog?: string;
  /** Files copied out of the machine (block option `artifacts=`): file name -> host temp path. */
  artifacts?: Map<string, string>;
}

/** Fold block statuses into a case status: error > failed > passed > skipped. */
export function worstStatus(statuses: BlockStatus[]): BlockStatus {
  if (statuses.includes('error')) return 'error';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('passed')) return 'passed';
  return 'skipped';
}
