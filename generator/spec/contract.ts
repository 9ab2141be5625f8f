// The contract table: each row `Surface | Owner | Reason` is checked on the machine.
//
// Shape relied on: `onix owner SURFACE` exits 0 and prints the owner on its first line
// of stdout (leading/trailing whitespace ignored); further lines (the reason, the
// evidence) are not compared. The row passes when that first line equals the Owner
// cell's text (Markdown formatting removed). Any other exit status fails the row.

import type { BlockOutcome, CommandObservation, CommandOutcome } from './outcome.ts';
import { outputLines } from './normalize.ts';
import type { ContractRow, SpecCommand } from './types.ts';
import { unifiedDiff } from './validate.ts';

export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The command that checks a row. */
export function contractCommand(row: ContractRow): string {
  return `onix owner ${shellQuote(row.surface)}`;
}

function asCommand(row: ContractRow): SpecCommand {
  return {
    line: row.line,
    command: contractCommand(row),
    lastCommandLine: row.line,
    stdout: [{ text: row.owner, line: row.line }],
    stderr: [],
    status: 0,
    outputRange: null,
    reboot: false,
  };
}

/** Validate one row from what `onix owner` printed. */
export function validateRow(row: ContractRow, obs: CommandObservation): BlockOutcome {
  const spec = asCommand(row);
  const expected = [{ text: row.owner, line: row.line }];
  const first =
    outputLines(obs.stdout)
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  const observed = [...(first ? [first] : []), ...(obs.status !== 0 ? [...outputLines(obs.stderr), `[${obs.status}]`] : [])];
  const passed = !obs.timedOut && obs.status === 0 && first === row.owner;
  const diff = passed ? '' : unifiedDiff(row.file, expected, observed, row.line);
  const status = obs.timedOut ? 'error' : passed ? 'passed' : 'failed';
  const message = obs.timedOut
    ? 'timed out'
    : passed
      ? undefined
      : `contract says ${row.owner}, machine says ${first || '(nothing)'}${obs.status !== 0 ? ` (onix owner exited ${obs.status})` : ''}`;
  const cmd: CommandOutcome = { spec, status, observation: obs, expected, normalized: observed, diff, captures: {}, message };
  return { block: row, status, commands: [cmd], captures: {}, diff: diff ? `$ ${spec.command}\n${diff}` : '', message, durationMs: obs.durationMs };
}
