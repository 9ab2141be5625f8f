// The lines of one console block → commands with their expected output.
//
//   $ first line of a command          `$ ` starts a command
//   > continuation                     `> ` right after a command line continues it
//   expected output                    every other line until the next `$ `
//   --- stderr                         (stderr=separate only) expected stderr follows
//   [2]                                last line: expected exit status (default 0)
//
// Trailing blank lines of each command's output are not part of it (authors
// may separate commands with a blank line); blank lines inside are.

import type { BlockOptions, ExpectedLine, SpecCommand } from './types.ts';

/** The separator between expected stdout and expected stderr under `stderr=separate`. */
export const STDERR_MARKER = '--- stderr';
/** `[N]`: an exit status line. */
export const STATUS_LINE = /^\[(\d{1,3})\]$/;

/** `$ ` (or `$` and a tab, or `$` alone) starts a command. */
export function isCommandLine(raw: string): boolean {
  return raw === '$' || raw.startsWith('$ ') || raw.startsWith('$\t');
}

/** `> ` (or `>` and a tab, or `>` alone) right after a command line continues it. */
export function isContinuationLine(raw: string): boolean {
  return raw === '>' || raw.startsWith('> ') || raw.startsWith('>\t');
}

/** A fenced code block's opening line with an info string (a bare fence would have closed the block). */
const FENCE_OPENER = /^ {0,3}(`{3,}|~{3,})\s*[^`\s]/;

export type TranscriptResult = { ok: true; commands: SpecCommand[] } | { ok: false; line: number; message: string };

/** Parse a block's text; `firstLine` is the source line of its first content line. */
export function parseTranscript(text: string, firstLine: number, options: BlockOptions): TranscriptResult {
  const lines = text === '' ? [] : text.split(/\r\n|\r|\n/);
  if (!lines.some(isCommandLine)) {
    return { ok: false, line: firstLine - 1, message: 'console block has no "$ " command (use another language for plain text)' };
  }
  interface Draft {
    line: number;
    parts: string[];
    last: number;
    output: ExpectedLine[];
  }
  const drafts: Draft[] = [];
  let continuing = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = firstLine + i;
    if (isCommandLine(raw)) {
      drafts.push({ line, parts: [raw.slice(2)], last: line, output: [] });
      continuing = true;
      continue;
    }
    const current = drafts[drafts.length - 1];
    if (continuing && current && isContinuationLine(raw)) {
      current.parts.push(raw.slice(2));
      current.last = line;
      continue;
    }
    continuing = false;
    if (!current) {
      if (raw.trim() === '') continue;
      return { ok: false, line, message: 'output before the first "$ " command (a console block starts with a command)' };
    }
    // A fence opener cannot be expected output as written (the updater writes such output as an
    // escaped (re) line): it is the next block, swallowed because this one lacks its closing fence.
    if (FENCE_OPENER.test(raw)) return { ok: false, line, message: `a fence opener inside this console block (${raw.trim()}): its closing fence is missing` };
    current.output.push({ text: raw, line });
  }
  const commands: SpecCommand[] = [];
  for (const d of drafts) {
    const command = d.parts.join('\n');
    if (command.trim() === '') return { ok: false, line: d.line, message: 'empty command after "$ "' };
    const output = d.output.map((l) => ({ text: l.text.replace(/\s+$/, ''), line: l.line }));
    while (output.length > 0 && output[output.length - 1].text === '') output.pop();
    const outputRange = output.length ? { first: output[0].line, last: output[output.length - 1].line } : null;
    let status = 0;
    let statusLine: number | undefined;
    const last = output[output.length - 1];
    const m = last ? STATUS_LINE.exec(last.text) : null;
    if (m) {
      status = Number(m[1]);
      if (status > 255) return { ok: false, line: last.line, message: `exit status ${status} is out of range (0-255)` };
      statusLine = last.line;
      output.pop();
    }
    let stdout = output;
    let stderr: ExpectedLine[] = [];
    let stderrMarkerLine: number | undefined;
    if (options.stderrSeparate) {
      const at = output.findIndex((l) => l.text === STDERR_MARKER);
      if (at >= 0) {
        stdout = output.slice(0, at);
        stderr = output.slice(at + 1);
        stderrMarkerLine = output[at].line;
      }
    }
    // Blank lines right before `[N]` or `--- stderr` are separators, not output.
    while (stdout.length > 0 && stdout[stdout.length - 1].text === '') stdout.pop();
    while (stderr.length > 0 && stderr[stderr.length - 1].text === '') stderr.pop();
    commands.push({
      line: d.line,
      command,
      lastCommandLine: d.last,
      stdout,
      stderr,
      stderrMarkerLine,
      status,
      statusLine,
      outputRange,
      reboot: d.parts.length === 1 && command.trim() === 'reboot',
      crash: d.parts.length === 1 && command.trim() === 'crash',
    });
  }
  return { ok: true, commands };
}
