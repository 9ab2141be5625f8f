// Commands → the lines of a console block, in the notation transcript.ts reads: the inverse
// of parseTranscript for what it keeps (command text, expected lines, `--- stderr`, `[N]`).
// The round-trip test holds the two to each other: parse → render → parse gives the same cases.

import { STDERR_MARKER } from '../transcript.ts';
import type { SpecCommand } from '../types.ts';

/** The body lines of a console block (without fences or container prefix). */
export function renderTranscript(commands: readonly SpecCommand[]): string[] {
  const out: string[] = [];
  for (const cmd of commands) {
    const [head, ...rest] = cmd.command.split('\n');
    out.push(`$ ${head}`, ...rest.map((l) => (l === '' ? '>' : `> ${l}`)));
    out.push(...cmd.stdout.map((l) => l.text));
    if (cmd.stderrMarkerLine !== undefined || cmd.stderr.length) out.push(STDERR_MARKER, ...cmd.stderr.map((l) => l.text));
    if (cmd.statusLine !== undefined || cmd.status !== 0) out.push(`[${cmd.status}]`);
  }
  return out;
}
