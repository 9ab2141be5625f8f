// Validation: observed command output → outcomes. Pure: no machine, no I/O.
//
// Output rule. By default a command's stderr goes into its stdout on the machine
// (one pipe: the lines come in the order they were written, as on a terminal), and
// the expected output is that. With `stderr=separate`, expected stdout comes first
// and expected stderr after a `--- stderr` line; no such line means "no stderr
// expected".
//
// Exit status. `[N]` as the last line expects status N; without it, 0. A
// mismatch shows in the diff as a `[N]` line. A command killed at its timeout
// is an error ("could not run"), with the output it printed so far.

import { structuredPatch } from 'diff';
import { matchLines } from './match.ts';
import { outputLines } from './normalize.ts';
import type { BlockOutcome, CommandObservation, CommandOutcome } from './outcome.ts';
import { type ShownLine, shownLines } from './spans.ts';
import { STDERR_MARKER } from './transcript.ts';
import type { SpecCommand, TranscriptBlock } from './types.ts';

/** Expected lines of a command as written, for the diff. */
export function expectedLines(cmd: SpecCommand): { text: string; line: number }[] {
  const out = [...cmd.stdout];
  if (cmd.stderrMarkerLine !== undefined) out.push({ text: STDERR_MARKER, line: cmd.stderrMarkerLine });
  out.push(...cmd.stderr);
  if (cmd.statusLine !== undefined) out.push({ text: `[${cmd.status}]`, line: cmd.statusLine });
  return out;
}

/**
 * A unified diff of expected (as written) against observed (in expected notation). Hunk headers
 * carry the source line of the first expected line they touch: `@@ content/cli.md:42 @@`.
 */
export function unifiedDiff(file: string, expected: { text: string; line: number }[], observed: string[], fallbackLine: number): string {
  const a = expected.map((l) => l.text);
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  const patch = structuredPatch('expected', 'observed', text(a), text(observed), '', '', { context: 3 });
  const out: string[] = [];
  for (const hunk of patch.hunks) {
    const index = Math.max(0, hunk.oldStart - 1);
    const line = expected[index]?.line ?? (expected.length ? expected[expected.length - 1].line + 1 : fallbackLine);
    out.push(`@@ ${file}:${line} @@`);
    for (const l of hunk.lines) if (!l.startsWith('\\')) out.push(l);
  }
  return out.join('\n');
}

/** Validates a case's commands in the order they ran, carrying captures from block to block. */
export class CaseValidator {
  private readonly bound = new Map<string, string>();

  /** Captures bound so far in the case (commands use them for `{{name}}`). */
  get captures(): ReadonlyMap<string, string> {
    return this.bound;
  }

  /** Validate one command that ran. */
  command(block: TranscriptBlock, cmd: SpecCommand, obs: CommandObservation): CommandOutcome {
    const expected = expectedLines(cmd);
    const stdoutLines = outputLines(obs.stdout);
    const stderrLines = outputLines(obs.stderr);
    const captures: Record<string, string> = {};
    let normalized: string[];
    let ok: boolean;
    let shown: ShownLine[] | null;
    try {
      if (block.options.stderrSeparate) {
        const out = matchLines(
          cmd.stdout.map((l) => l.text),
          stdoutLines,
          this.bound,
        );
        this.bind(out.bound);
        const err = matchLines(
          cmd.stderr.map((l) => l.text),
          stderrLines,
          this.bound,
        );
        this.bind(err.bound);
        Object.assign(captures, out.used, err.used);
        normalized = [...out.normalized, ...(err.normalized.length ? [STDERR_MARKER, ...err.normalized] : [])];
        ok = out.ok && err.ok;
        const shownOut = shownLines(
          cmd.stdout.map((l) => l.text),
          stdoutLines,
          out.ops,
          this.bound,
        );
        const shownErr = shownLines(
          cmd.stderr.map((l) => l.text),
          stderrLines,
          err.ops,
          this.bound,
        );
        shown = shownOut && shownErr ? [...shownOut, ...shownErr] : null;
      } else {
        const all = matchLines(
          cmd.stdout.map((l) => l.text),
          [...stdoutLines, ...stderrLines],
          this.bound,
        );
        this.bind(all.bound);
        Object.assign(captures, all.used);
        normalized = all.normalized;
        ok = all.ok;
        shown = shownLines(
          cmd.stdout.map((l) => l.text),
          [...stdoutLines, ...stderrLines],
          all.ops,
          this.bound,
        );
      }
    } catch (error) {
      // A (re) line using a capture that is not bound at run time: the line that binds it did not
      // match (that failure is reported there) or its block was skipped. This one cannot be checked.
      const name = /\{\{(\w+)\}\}/.exec((error as Error).message)?.[1] ?? '?';
      return {
        spec: cmd,
        status: 'not-run',
        observation: obs,
        expected,
        normalized: [],
        diff: '',
        captures,
        unbound: name,
        message: `not checked: capture {{${name}}} is not bound (the line that binds it did not match, or its block was skipped)`,
      };
    }
    if (!obs.timedOut && obs.status !== 0) normalized.push(`[${obs.status}]`);
    const passed = ok && !obs.timedOut && obs.status === cmd.status;
    const diff = passed ? '' : unifiedDiff(block.file, expected, normalized, cmd.lastCommandLine + 1);
    if (obs.timedOut) {
      return {
        spec: cmd,
        status: 'error',
        observation: obs,
        expected,
        normalized,
        diff,
        captures,
        message: `timed out after ${block.options.timeoutSec} s (output so far in the diff)`,
      };
    }
    return { spec: cmd, status: passed ? 'passed' : 'failed', observation: obs, expected, normalized, diff, captures, ...(passed && shown ? { shown } : {}) };
  }

  private bind(values: Map<string, string>): void {
    for (const [k, v] of values) if (!this.bound.has(k)) this.bound.set(k, v);
  }
}

/** A command that did not run (after a timeout or machine error earlier in the case). */
export function notRun(cmd: SpecCommand, message: string): CommandOutcome {
  return { spec: cmd, status: 'not-run', observation: null, expected: expectedLines(cmd), normalized: [], diff: '', captures: {}, message };
}

/** Fold command outcomes into a block outcome. */
export function blockOutcome(block: TranscriptBlock, commands: CommandOutcome[], durationMs: number): BlockOutcome {
  const captures: Record<string, string> = {};
  for (const c of commands) Object.assign(captures, c.captures);
  const statuses = commands.map((c) => c.status);
  // Commands left out for an unbound capture count as skipped: the failure is where it was to be bound.
  const unboundOnly = commands.every((c) => c.status === 'passed' || c.unbound);
  const status = statuses.includes('error')
    ? 'error'
    : statuses.includes('failed')
      ? 'failed'
      : statuses.every((s) => s === 'passed')
        ? 'passed'
        : unboundOnly
          ? 'skipped'
          : 'error';
  const diff = commands
    .filter((c) => c.diff)
    .map((c) => `$ ${c.spec.command.split('\n').join('\n> ')}\n${c.diff}`)
    .join('\n');
  const message = commands.find((c) => c.message && c.status !== 'passed' && (status === 'skipped' || !c.unbound))?.message;
  return { block, status, commands, captures, diff, message, durationMs };
}
