// `--update`: rewrite the expected output of failed commands in the Markdown, in place.
//
// Each failed command's expected-output lines (from its first output line to its `[N]`,
// without trailing blank lines) are replaced by the observed output in the expected
// notation (match.ts): every expected line that still matches is written back as it was
// (`[..]`, `...`, ` (re)`, `{{name}}` kept), only lines that no longer match are replaced
// by what was observed (escaped as a ` (re)` line when the raw text would read as a matcher).
// Not touched: passed commands, commands that timed out or errored, contract rows.
// A file that changed on disk since it was read is left alone (reported).

import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { captureNames } from './match.ts';
import type { CaseOutcome, CommandOutcome } from './outcome.ts';

export interface Edit {
  /** Replace source lines first..last (1-based, inclusive); last = first - 1 inserts before `first`. */
  first: number;
  last: number;
  lines: string[];
}

/** A failed command `--update` will not rewrite, with why (one line). */
export interface Refusal {
  file: string;
  line: number;
  message: string;
}

/**
 * Commands whose rewrite would lose a capture the case uses elsewhere: the line that binds
 * `{{name}}` no longer matches, so the observed text would replace it and later uses would
 * have nothing to bind to. Those are left for a person to fix. Pure.
 */
export function refusedUpdates(outcomes: CaseOutcome[]): Refusal[] {
  const refused: Refusal[] = [];
  for (const o of outcomes) {
    const commands = o.blocks.flatMap((b) => (b.block.kind === 'transcript' ? b.commands.map((c) => ({ c, file: b.block.file })) : []));
    const mentions = (c: CommandOutcome) => new Set([...captureNames(c.spec.command), ...c.expected.flatMap((l) => captureNames(l.text))]);
    for (const { c, file } of commands) {
      if (!rewritable(c)) continue;
      const kept = new Set(c.normalized.flatMap((l) => captureNames(l)));
      const lost = [...mentions(c)].filter((name) => !kept.has(name) && commands.some((other) => other.c !== c && mentions(other.c).has(name)));
      if (lost.length) {
        const at = c.expected.find((l) => captureNames(l.text).includes(lost[0]))?.line ?? c.spec.line;
        refused.push({
          file,
          line: at,
          message: `the line that binds {{${lost[0]}}} no longer matches and the capture is used elsewhere in the case: fix it by hand`,
        });
      }
    }
  }
  return refused;
}

function rewritable(c: CommandOutcome): boolean {
  return c.status === 'failed' && !!c.observation && !c.observation.timedOut && !c.observation.reboot;
}

/** The edits `--update` makes, per file (none for refused commands). Pure. */
export function planUpdates(outcomes: CaseOutcome[]): Map<string, Edit[]> {
  const refused = new Set(refusedUpdates(outcomes).map((r) => `${r.file}:${r.line}`));
  const edits = new Map<string, Edit[]>();
  for (const o of outcomes) {
    for (const b of o.blocks) {
      if (b.block.kind !== 'transcript') continue;
      const { prefix, file } = b.block;
      for (const c of b.commands) {
        if (!rewritable(c)) continue;
        if ([c.spec.line, ...c.expected.map((l) => l.line)].some((line) => refused.has(`${file}:${line}`))) continue;
        const range = c.spec.outputRange;
        const lines = c.normalized.map((l) => (l === '' ? prefix.trimEnd() : prefix + l));
        const edit: Edit = range ? { first: range.first, last: range.last, lines } : { first: c.spec.lastCommandLine + 1, last: c.spec.lastCommandLine, lines };
        if (!edits.has(file)) edits.set(file, []);
        edits.get(file)!.push(edit);
      }
    }
  }
  return edits;
}

/**
 * Apply edits to a source text (bottom-up so line numbers stay valid). Lines are counted as
 * CommonMark counts them (LF, CRLF, CR); each kept line keeps its own ending and new lines get
 * the source's first line ending, so a CRLF page stays CRLF.
 */
export function applyEdits(source: string, edits: Edit[]): string {
  const parts = source.split(/(\r\n|\r|\n)/);
  const lines = parts.filter((_, i) => i % 2 === 0);
  const endings = parts.filter((_, i) => i % 2 === 1);
  const eol = endings[0] ?? '\n';
  for (const e of [...edits].sort((a, b) => b.first - a.first)) {
    lines.splice(e.first - 1, e.last - e.first + 1, ...e.lines);
    endings.splice(e.first - 1, Math.min(e.last - e.first + 1, Math.max(0, endings.length - (e.first - 1))), ...e.lines.map(() => eol));
  }
  return lines.map((l, i) => l + (i < lines.length - 1 ? (endings[i] ?? eol) : '')).join('');
}

export interface UpdateResult {
  /** Files rewritten, with how many commands in each. */
  updated: Array<{ file: string; commands: number }>;
  /** Files left alone because they changed on disk during the run. */
  conflicts: string[];
  /** Failed commands left alone (see refusedUpdates). */
  refused: Refusal[];
}

/** Write the updates. `hashes` are the content hashes the run read; a file that no longer has its hash is not touched. */
export async function writeUpdates(
  outcomes: CaseOutcome[],
  hashes: ReadonlyMap<string, string>,
  resolvePath: (file: string) => string = (f) => f,
): Promise<UpdateResult> {
  const result: UpdateResult = { updated: [], conflicts: [], refused: refusedUpdates(outcomes) };
  for (const [file, edits] of planUpdates(outcomes)) {
    const path = resolvePath(file);
    const source = await readFile(path, 'utf8');
    if (createHash('sha256').update(source).digest('hex') !== hashes.get(file)) {
      result.conflicts.push(file);
      continue;
    }
    const tmp = `${path}.${process.pid}.spec-update`;
    await writeFile(tmp, applyEdits(source, edits));
    await rename(tmp, path);
    result.updated.push({ file, commands: edits.length });
  }
  return result;
}
