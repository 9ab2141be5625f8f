// Extraction: a ParsedPage (the shared mdast, never a second parse) → cases.
//
// - Every ```console block is a transcript (see transcript.ts for its lines).
// - A heading (any depth) starts a section; the transcripts of a section are one case,
//   run in order on one fresh machine. Transcripts before the first heading form a case
//   named after the page.
// - `<!-- spec: contract -->` right before a GFM table `Surface | Owner | Reason` makes
//   that table the contract: one case, one check per row (see contract.ts).
// - Static checks (spec errors, reported as file:line): unclosed block, unknown or bad
//   option, output before the first command, bad regex, a capture used in a command or
//   a (re) line before any output line of the case bound it, a contract table with the
//   wrong columns, a contract marker not followed by a table.

import type { Code, Heading, Html, Parent, Root, RootContent, Table } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import type { ParsedPage } from '../content/parse.ts';
import { captureNames, isElide, isRegexLine, lineSyntaxError } from './match.ts';
import { parseBlockOptions } from './options.ts';
import { parseTranscript } from './transcript.ts';
import { type Capability, type ContractRow, type ExtractedPage, type SpecCase, SpecError, type TranscriptBlock } from './types.ts';

/** The invisible marker that makes the next table the contract. */
export const CONTRACT_MARKER = /^<!--\s*spec:\s*contract\s*-->$/;
const ANY_SPEC_MARKER = /^<!--\s*spec:/;
export const CONTRACT_COLUMNS = ['Surface', 'Owner', 'Reason'] as const;
const FENCE = /^((?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)(`{3,}|~{3,})/;

/** A source's lines as CommonMark counts them: LF, CRLF and a bare CR each end a line. */
export function sourceLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Walk nodes in document order with their parent and index. An explicit stack, not recursion:
 * a line of "- - - ..." nests lists thousands deep, past the call stack.
 */
function walk(root: Root, visit: (node: RootContent, parent: Parent, index: number) => void): void {
  const stack: { parent: Parent; index: number }[] = [{ parent: root, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.parent.children.length) {
      stack.pop();
      continue;
    }
    const child = top.parent.children[top.index] as RootContent;
    visit(child, top.parent, top.index);
    top.index++;
    if ('children' in child) stack.push({ parent: child as Parent, index: 0 });
  }
}

/** Does the fenced code node end with a closing fence? (remark runs an unclosed fence to the end of its container.) */
function isClosed(code: Code, lines: string[]): boolean {
  const start = code.position!.start.line;
  const end = code.position!.end.line;
  const open = FENCE.exec(lines[start - 1] ?? '');
  if (!open) return true; // indented code: not a fence, nothing to close
  if (end <= start) return false;
  const close = /^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(lines[end - 1] ?? '');
  return !!close && close[1][0] === open[2][0] && close[1].length >= open[2].length;
}

export function extractPage(page: ParsedPage): ExtractedPage {
  const { file } = page;
  const lines = sourceLines(page.source);
  const errors: SpecError[] = [];
  const brokenCases = new Set<string>();
  const cases: SpecCase[] = [];
  let section: { line: number; title: string } | null = null;
  let current: SpecCase | null = null;
  const pageTitle = typeof page.frontMatter.title === 'string' ? page.frontMatter.title : file;

  const fail = (c: SpecCase | null, line: number, message: string) => {
    errors.push(new SpecError(file, line, message));
    if (c) brokenCases.add(c.id);
  };
  const caseFor = (line: number): SpecCase => {
    if (!current) {
      const at = section?.line ?? line;
      current = { id: `${file}:${at}`, file, line: at, title: section?.title ?? pageTitle, kind: 'procedure', blocks: [], needs: [] };
      cases.push(current);
    }
    return current;
  };

  walk(page.tree, (node, parent, index) => {
    if (node.type === 'heading') {
      section = { line: node.position!.start.line, title: textOf(node as Heading) };
      current = null;
      return;
    }
    if (node.type === 'code' && (node as Code).lang === 'console') {
      const code = node as Code;
      const line = code.position!.start.line;
      const c = caseFor(line);
      const id = `${file}:${line}`;
      if (!isClosed(code, lines)) return fail(c, line, 'unclosed ```console block (no closing fence before the end of its container)');
      const parsed = parseBlockOptions(code.meta);
      if (!parsed.ok) return fail(c, line, parsed.message);
      const transcript = parseTranscript(code.value, line + 1, parsed.options);
      if (!transcript.ok) return fail(c, transcript.line, transcript.message);
      const first = transcript.commands[0];
      const src = lines[first.line - 1] ?? '';
      const valueLine = sourceLines(code.value)[first.line - line - 1] ?? '';
      const prefix = src.endsWith(valueLine) ? src.slice(0, src.length - valueLine.length) : '';
      const block: TranscriptBlock = { kind: 'transcript', id, file, line, options: parsed.options, commands: transcript.commands, prefix };
      c.blocks.push(block);
      const needs = new Set<Capability>([...c.needs, ...parsed.options.needs]);
      if (!parsed.options.skip && transcript.commands.some((cmd) => cmd.reboot)) needs.add('reboot');
      if (!parsed.options.skip && transcript.commands.some((cmd) => cmd.crash)) needs.add('crash');
      c.needs = [...needs];
      return;
    }
    if (node.type === 'html' && ANY_SPEC_MARKER.test((node as Html).value.trim())) {
      const line = node.position!.start.line;
      if (!CONTRACT_MARKER.test((node as Html).value.trim()))
        return fail(null, line, `unknown spec marker ${(node as Html).value.trim()} (known: <!-- spec: contract -->)`);
      const table = parent.children[index + 1];
      if (table?.type !== 'table') return fail(null, line, 'contract marker is not followed by a table');
      const c = extractContract(table as Table, file, section?.title ?? pageTitle, fail);
      if (c) cases.push(c);
      return;
    }
  });

  for (const c of cases) if (c.kind === 'procedure') checkCaptures(c, (line, message) => fail(c, line, message));
  return { file, contentHash: page.contentHash, cases, errors, brokenCases };
}

function extractContract(table: Table, file: string, sectionTitle: string, fail: (c: SpecCase | null, line: number, message: string) => void): SpecCase | null {
  const line = table.position!.start.line;
  const c: SpecCase = { id: `${file}:${line}`, file, line, title: `${sectionTitle} (contract)`, kind: 'contract', blocks: [], needs: [] };
  const [head, ...rows] = table.children;
  const columns = head.children.map((cell) => textOf(cell).trim());
  if (columns.length !== CONTRACT_COLUMNS.length || columns.some((col, i) => col !== CONTRACT_COLUMNS[i])) {
    fail(c, line, `contract table must have the columns ${CONTRACT_COLUMNS.join(' | ')} (found ${columns.join(' | ')})`);
    return c;
  }
  for (const row of rows) {
    const rowLine = row.position!.start.line;
    const [surface, owner, reason] = [0, 1, 2].map((i) => (row.children[i] ? textOf(row.children[i]).trim() : ''));
    if (!surface || !owner) {
      fail(c, rowLine, 'contract row needs a surface and an owner');
      continue;
    }
    const block: ContractRow = { kind: 'contract-row', id: `${file}:${rowLine}`, file, line: rowLine, surface, owner, reason };
    c.blocks.push(block);
  }
  if (rows.length === 0) fail(c, line, 'contract table has no rows');
  return c;
}

/** Captures bind on first use in an output line; commands and (re) lines may only use bound ones. */
function checkCaptures(c: SpecCase, fail: (line: number, message: string) => void): void {
  const bound = new Set<string>();
  for (const block of c.blocks) {
    if (block.kind !== 'transcript') continue;
    for (const cmd of block.commands) {
      for (const name of captureNames(cmd.command)) {
        if (!bound.has(name)) fail(cmd.line, `capture {{${name}}} is used in a command before any output line of this case bound it`);
      }
      for (const expected of [...cmd.stdout, ...cmd.stderr]) {
        if (isElide(expected.text)) continue;
        const syntax = lineSyntaxError(expected.text);
        if (syntax) {
          fail(expected.line, syntax);
          continue;
        }
        for (const name of captureNames(expected.text)) {
          if (isRegexLine(expected.text) && !bound.has(name))
            fail(expected.line, `capture {{${name}}} is used in a regex line before it is bound (bind it in a plain output line first)`);
          bound.add(name);
        }
      }
    }
  }
}
