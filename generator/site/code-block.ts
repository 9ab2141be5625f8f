// Fenced code blocks as hast: a <figure> with a small header (language, and for console
// transcripts the spec result), and a <pre><code> highlighted at build time.
// Console transcripts are rendered line by line: `$ ` commands (prompt unselectable,
// command highlighted as sh), `> ` continuations, output with `{{name}}` captures replaced
// by the value the last spec run observed (or shown as a placeholder).

import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { Code } from 'mdast';
import type { CodeHighlighter } from './highlight.ts';
import { transcriptLanguages } from './highlight.ts';
import type { BlockResult } from './spec-results.ts';

export interface CodeBlockContext {
  highlighter: CodeHighlighter;
  /** The page's file as named in block ids ("content/cli.md"). */
  file: string;
  /** Result for the transcript whose fence opens at `line` of the current page. */
  resultAt(line: number): BlockResult;
}

const statusLabel: Record<BlockResult['status'], string> = { passed: 'verified', failed: 'failed', 'not-run': 'not run' };

export function renderCodeBlock(node: Code, ctx: CodeBlockContext): Element {
  const lang = node.lang ?? '';
  if (transcriptLanguages.has(lang)) return renderTranscript(node, ctx);
  const lines = lang ? ctx.highlighter.lines(node.value, lang) : [{ type: 'text' as const, value: node.value }];
  return h('figure.code-block', { dataLang: lang || 'text' }, [
    h('figcaption.code-head', [h('span.code-lang', lang || 'text')]),
    h('pre.code', { tabIndex: 0 }, [h('code', lang ? { className: [`language-${lang}`] } : {}, lines)]),
  ]);
}

function renderTranscript(node: Code, ctx: CodeBlockContext): Element {
  const line = node.position?.start.line ?? 0;
  const result = ctx.resultAt(line);
  const out: ElementContent[] = [];
  const rawLines = node.value.split('\n');
  let inCommand = false;
  rawLines.forEach((text, i) => {
    if (i > 0) out.push({ type: 'text', value: '\n' });
    if (text.startsWith('$ ') || text === '$') {
      inCommand = true;
      out.push(commandLine('$ ', text.slice(2), ctx, result));
    } else if (inCommand && text.startsWith('> ')) {
      out.push(commandLine('> ', text.slice(2), ctx, result));
    } else {
      inCommand = false;
      out.push(outputLine(text, result));
    }
  });
  const status = h('span.spec-status', { className: [`spec-${result.status}`], title: result.note || undefined }, [
    statusLabel[result.status],
    result.status === 'not-run' ? '' : ` on ${result.machine}, ${result.date}`,
  ]);
  return h('figure.code-block.transcript', { dataLang: 'console', dataBlock: `${ctx.file}:${line}`, dataStatus: result.status }, [
    h('figcaption.code-head', [h('span.code-lang', 'console'), status]),
    h('pre.code', { tabIndex: 0 }, [h('code', { className: ['language-console'] }, out)]),
  ]);
}

function commandLine(prompt: string, command: string, ctx: CodeBlockContext, result: BlockResult): Element {
  const body: ElementContent[] = command.includes('{{') ? withCaptures(command, result) : ctx.highlighter.lines(command, 'sh').flatMap((l) => (l.type === 'element' ? l.children : [l]));
  return h('span.line.cmd', [h('span.prompt', prompt), h('span.command', body)]);
}

function outputLine(text: string, result: BlockResult): Element {
  if (text === '...') return h('span.line.out', [h('span.matcher', { title: 'any number of lines' }, text)]);
  const re = / \(re\)$/.exec(text);
  if (re) return h('span.line.out', [...withCaptures(text.slice(0, re.index), result), h('span.matcher', { title: 'regular expression' }, ' (re)')]);
  if (/^\[\d+\]$/.test(text)) return h('span.line.out.exit', { title: 'exit status' }, text);
  return h('span.line.out', withCaptures(text, result));
}

/** Text with `{{name}}` replaced by observed values (or placeholders) and `[..]` marked. */
function withCaptures(text: string, result: BlockResult): ElementContent[] {
  const out: ElementContent[] = [];
  const pattern = /\{\{([A-Za-z_][\w-]*)\}\}|\[\.\.\]/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) out.push({ type: 'text', value: text.slice(last, m.index) });
    const name = m[1];
    if (name === undefined) out.push(h('span.matcher', { title: 'any text' }, '[..]'));
    else if (Object.hasOwn(result.captures, name)) out.push(h('span.capture', { title: `${name}, as observed on ${result.machine}` }, result.captures[name]));
    else out.push(h('span.capture.placeholder', { title: `${name}: observed when the spec runs` }, name));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', value: text.slice(last) });
  return out;
}
