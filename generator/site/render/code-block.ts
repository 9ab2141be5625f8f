// Fenced code blocks as hast: a <figure> with a small header (language, and for a console
// transcript that did not pass its spec result), and a <pre><code> highlighted at build time.
// Console transcripts are rendered line by line: `$ ` commands (prompt unselectable,
// command highlighted as sh), `> ` continuations, then the output:
//   - passed: what the machine printed (the report's `shown` lines), the characters a matcher
//     covered marked "varies from run to run", each `...` a closed <details> holding the lines
//     it stood for (so the transcript is several <pre> segments around those);
//   - failed or not run: the expected text as written, `{{name}}` captures replaced by observed
//     values where known, and a visible legend of the notation the block uses.
// The result of the whole case is shown once under its heading (render-page.ts), not per block.

import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { Code } from 'mdast';
import type { CodeHighlighter } from './highlight.ts';
import { tokenLinesToHtml, transcriptLanguages } from './highlight.ts';
import type { ShownLine } from '../../spec/spans.ts';
import type { BlockResult } from '../model/spec-results.ts';

export interface CodeBlockContext {
  highlighter: CodeHighlighter;
  /** The page's file as named in block ids ("content/cli.md"). */
  file: string;
  /** Result for the transcript whose fence opens at `line` of the current page. */
  resultAt(line: number): BlockResult;
  /**
   * Hand a highlighted block's lines over as HTML (tokenLinesToHtml) and get the node that
   * stands for them in the tree (default: none, the lines are hast).
   */
  inline?(html: string): ElementContent;
}

/** The notation of expected output, as the legend under a failed or not-run block explains it. */
const NOTATION: Array<{ sign: string; used(text: string): boolean; meaning: string }> = [
  { sign: '[..]', used: (t) => t.includes('[..]'), meaning: 'any text within the line' },
  { sign: '...', used: (t) => t === '...', meaning: 'any number of lines' },
  { sign: '(re)', used: (t) => t.endsWith(' (re)'), meaning: 'the line is a regular expression' },
  { sign: '[N]', used: (t) => /^\[\d+\]$/.test(t), meaning: 'the command exits with status N' },
  { sign: '{{name}}', used: (t) => /\{\{[A-Za-z_][\w-]*\}\}/.test(t), meaning: 'a value captured from the output; later uses must match it' },
];

/** Lines of a `$ reboot` (or `crash`) alone: such a block joins its neighbour (join-reboots.ts). */
const RESTART_ONLY = /^(\$ (reboot|crash)\s*\n?)+$/;

export function renderCodeBlock(node: Code, ctx: CodeBlockContext): Element {
  const lang = node.lang ?? '';
  if (transcriptLanguages.has(lang)) return renderTranscript(node, ctx);
  const html = lang && ctx.inline ? tokenLinesToHtml(ctx.highlighter.tokenize(node.value, lang)) : null;
  const lines = !lang
    ? [{ type: 'text' as const, value: node.value }]
    : html !== null && ctx.inline
      ? [ctx.inline(html)]
      : ctx.highlighter.lines(node.value, lang);
  return h('figure.code-block', { dataLang: lang || 'text' }, [
    h('figcaption.code-head', [h('span.code-lang', lang || 'text')]),
    h('pre.code', { tabIndex: 0 }, [h('code', lang ? { className: [`language-${lang}`] } : {}, lines)]),
  ]);
}

/** Builds a transcript's body: <pre> segments, with a <details> wherever a `...` hid lines. */
class Segments {
  readonly parts: Element[] = [];
  private lines: ElementContent[] = [];

  line(el: Element): void {
    if (this.lines.length) this.lines.push({ type: 'text', value: '\n' });
    this.lines.push(el);
  }

  elided(hidden: string[]): void {
    if (hidden.length === 0) return;
    this.flush();
    const body: ElementContent[] = [];
    hidden.forEach((text, i) => {
      if (i > 0) body.push({ type: 'text', value: '\n' });
      body.push(h('span.line.out', text));
    });
    const label = `${hidden.length} more line${hidden.length === 1 ? '' : 's'}`;
    this.parts.push(
      h('details.elided', [
        h('summary', [label, h('span.visually-hidden', ' the test left unchecked (shown as printed)')]),
        h('pre.code', { tabIndex: 0 }, [h('code', { className: ['language-console'] }, body)]),
      ]),
    );
  }

  flush(): void {
    if (this.lines.length === 0) return;
    this.parts.push(h('pre.code', { tabIndex: 0 }, [h('code', { className: ['language-console'] }, this.lines)]));
    this.lines = [];
  }
}

function renderTranscript(node: Code, ctx: CodeBlockContext): Element {
  const line = node.position?.start.line ?? 0;
  const result = ctx.resultAt(line);
  const passed = result.status === 'passed';
  const segments = new Segments();
  const rawLines = node.value.split('\n');
  let inCommand = false;
  /** The observed output of the command being read, when the report has it: its expected lines are skipped. */
  let shown: { status: number; shown?: ShownLine[] } | null = null;
  let varies = false;
  const notation = new Set<string>();
  rawLines.forEach((text, i) => {
    if (text.startsWith('$ ') || text === '$') {
      inCommand = true;
      segments.line(commandLine('$ ', text.slice(2), ctx, result));
      const observed = passed ? result.commands[line + 1 + i] : undefined;
      shown = observed?.shown ? observed : null;
      if (shown) {
        for (const s of shown.shown!) {
          if ('elided' in s) segments.elided(s.elided);
          else {
            if (s.marks?.length) varies = true;
            segments.line(shownLine(s));
          }
        }
        if (shown.status !== 0) segments.line(h('span.line.out.exit', `[${shown.status}]`));
      }
      return;
    }
    if (inCommand && text.startsWith('> ')) {
      segments.line(commandLine('> ', text.slice(2), ctx, result));
      return;
    }
    inCommand = false;
    if (shown) return; // the expected line is replaced by what the machine printed
    for (const n of NOTATION) if (n.used(text)) notation.add(n.sign);
    segments.line(outputLine(text, result));
  });
  segments.flush();
  const after: Element[] = [];
  if (notation.size) {
    const says = {
      passed: 'Expected output as the spec writes it. ',
      failed: 'Expected output. ',
      'not-run': 'Expected output (not verified). ',
      running: 'Expected output (running). ',
    }[result.status];
    after.push(
      h('p.transcript-legend', [
        h('span.legend-head', says),
        ...NOTATION.filter((n) => notation.has(n.sign)).flatMap((n, k) => [k ? '; ' : '', h('code', n.sign), `: ${n.meaning}`]),
        '.',
      ]),
    );
  }
  if (result.status === 'failed' && result.diff) after.push(...renderDiff(result.diff));
  if (passed && varies)
    after.push(h('p.transcript-legend', [h('span.varies', 'Underlined'), ' text varies from run to run; every line is what the test machine printed.']));
  const head: ElementContent[] = [h('span.code-lang', 'console')];
  if (!passed)
    head.push(
      h(
        'span.spec-status',
        { className: [`spec-${result.status}`] },
        result.status === 'failed' ? `failed${result.note ? `: ${result.note}` : ''}` : result.status === 'running' ? 'running...' : `not run: ${result.note}`,
      ),
    );
  const restartOnly = RESTART_ONLY.test(`${node.value.trimEnd()}\n`);
  return h(
    'figure.code-block.transcript',
    { dataLang: 'console', dataBlock: `${ctx.file}:${line}`, dataStatus: result.status, dataRestartOnly: restartOnly ? '' : undefined },
    [h('figcaption.code-head', head), ...segments.parts, ...after],
  );
}

/**
 * A failure's unified diff under the expected text it failed: `-` lines are expected, `+`
 * lines what the machine printed (the same diff the terminal shows, without colour codes).
 */
function renderDiff(diff: string): Element[] {
  const lines: ElementContent[] = [];
  for (const text of diff.replace(/\n$/, '').split('\n')) {
    if (lines.length) lines.push({ type: 'text', value: '\n' });
    const kind = text.startsWith('@@') ? 'hunk' : text.startsWith('-') ? 'del' : text.startsWith('+') ? 'ins' : null;
    lines.push(kind ? h(`span.line.${kind}`, text) : h('span.line', text));
  }
  return [
    h('p.spec-diff-head', [h('span.legend-head', 'What the machine printed instead: '), '- expected, + observed.']),
    h('pre.code.spec-diff', { tabIndex: 0 }, [h('code', lines)]),
  ];
}

/** An observed line with the characters a matcher covered marked as varying. */
function shownLine(s: { text: string; marks?: { from: number; to: number; capture?: string }[] }): Element {
  const out: ElementContent[] = [];
  let at = 0;
  for (const m of s.marks ?? []) {
    if (m.from > at) out.push({ type: 'text', value: s.text.slice(at, m.from) });
    const value = s.text.slice(m.from, m.to);
    out.push(
      h('span.varies', { className: m.capture ? ['capture'] : undefined, dataCapture: m.capture }, [
        h('span.visually-hidden', m.capture ? `(${m.capture}, varies from run to run:) ` : '(varies from run to run:) '),
        value,
      ]),
    );
    at = m.to;
  }
  if (at < s.text.length) out.push({ type: 'text', value: s.text.slice(at) });
  return h('span.line.out', out);
}

function commandLine(prompt: string, command: string, ctx: CodeBlockContext, result: BlockResult): Element {
  const body: ElementContent[] = command.includes('{{')
    ? withCaptures(command, result)
    : ctx.highlighter.lines(command, 'sh').flatMap((l) => (l.type === 'element' ? l.children : [l]));
  return h('span.line.cmd', [h('span.prompt', prompt), h('span.command', body)]);
}

function outputLine(text: string, result: BlockResult): Element {
  if (text === '...') return h('span.line.out', [h('span.matcher', text)]);
  const re = / \(re\)$/.exec(text);
  if (re) return h('span.line.out', [...withCaptures(text.slice(0, re.index), result), h('span.matcher', ' (re)')]);
  if (/^\[\d+\]$/.test(text)) return h('span.line.out.exit', text);
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
    if (name === undefined) out.push(h('span.matcher', '[..]'));
    else if (Object.hasOwn(result.captures, name)) out.push(h('span.capture', { title: `${name}, as observed on ${result.machine}` }, result.captures[name]));
    else out.push(h('span.capture.placeholder', { title: `${name}: observed when the spec runs` }, name));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', value: text.slice(last) });
  return out;
}
