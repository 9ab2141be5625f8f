// What extraction hands to execution: cases, blocks, commands and their
// expectations, every item with the file and line it came from.
// Nothing here knows about machines or rendering.

/** Options from a console block's info-string meta (`console user=alice timeout=60`). */
export interface BlockOptions {
  /** Run the block's commands as this user (default: the machine's default user, root). */
  user?: string;
  /** Per-command timeout in seconds (default: 60). */
  timeoutSec: number;
  /** Do not run the block; it is reported as skipped (default: false). */
  skip: boolean;
  /** Why, from `skip=REASON` (default: none). */
  skipReason?: string;
  /** Expect stderr apart from stdout, after a `--- stderr` line (default: false, merged). */
  stderrSeparate: boolean;
  /** Capabilities the block needs besides those implied by its commands, e.g. `needs=kernel` (default: none). */
  needs: Capability[];
  /** Files to copy out of the machine after the block ran, `artifacts=/path/a.png,/path/b.png` (default: none). */
  artifacts?: string[];
}

export type Capability = 'kernel' | 'reboot' | 'crash';

/** One expected-output line as written, with its source line. */
export interface ExpectedLine {
  text: string;
  line: number;
}

/** One `$ ` command with its continuation lines and what it is expected to print. */
export interface SpecCommand {
  /** Source line of the `$ ` line. */
  line: number;
  /** The command text as typed, continuation lines joined with "\n". */
  command: string;
  /** Source line of the last `$ `/`> ` line of the command. */
  lastCommandLine: number;
  /** Expected stdout (merged mode: stdout and stderr in the order they were written). */
  stdout: ExpectedLine[];
  /** Expected stderr; only with `stderr=separate`, written after a `--- stderr` line. */
  stderr: ExpectedLine[];
  /** Line of the `--- stderr` separator, if written. */
  stderrMarkerLine?: number;
  /** Expected exit status (`[N]` as the last line; default 0). */
  status: number;
  /** Line of the `[N]` line, if written. */
  statusLine?: number;
  /** First and last source line of the whole expected-output region (without trailing blank lines), or null if empty. */
  outputRange: { first: number; last: number } | null;
  /** `reboot` alone: intercepted, the machine really reboots. */
  reboot: boolean;
  /** `crash` alone: intercepted, the machine is hard-reset (no clean shutdown) and waited for. */
  crash?: boolean;
}

/** A ```console fenced block. */
export interface TranscriptBlock {
  kind: 'transcript';
  /** `<file>:<line>` of the opening fence. */
  id: string;
  file: string;
  line: number;
  options: BlockOptions;
  commands: SpecCommand[];
  /** Indentation/quote prefix of the fence line, reused when `--update` writes lines. */
  prefix: string;
}

/** One row of the contract table: `onix owner <surface>` must print `owner` on its first line. */
export interface ContractRow {
  kind: 'contract-row';
  id: string;
  file: string;
  line: number;
  surface: string;
  owner: string;
  reason: string;
}

export type SpecBlock = TranscriptBlock | ContractRow;

/** A heading section holding transcripts (or the contract table): runs on one fresh machine. */
export interface SpecCase {
  /** `<file>:<line>` of the heading (or of the first block when there is no heading; of the table for the contract). */
  id: string;
  file: string;
  line: number;
  title: string;
  kind: 'procedure' | 'contract';
  blocks: SpecBlock[];
  /** What the case needs from the machine (reboot from a `reboot` command, others from `needs=`). */
  needs: Capability[];
}

/** A mistake in the spec itself: reported as `file:line: message`; the run exits 2. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** "Could not run" before anything ran: bad arguments, missing files, no such target. Exit 2. */
export class SpecRunError extends Error {
  override name = 'SpecRunError';
}

/** Everything extracted from one page. */
export interface ExtractedPage {
  file: string;
  contentHash: string;
  cases: SpecCase[];
  errors: SpecError[];
  /** Ids of cases that hold a spec error; they are not run. */
  brokenCases: Set<string>;
}
