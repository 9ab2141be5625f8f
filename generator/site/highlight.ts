// Build-time syntax highlighting with Prism's grammars: one highlighter per build,
// created by createCodeHighlighter() and disposed by the caller. Token types map onto a
// small set of classes (tk-keyword, tk-string, ...) coloured by CSS variables, so one
// tokenisation serves the light and the dark theme (the palette lives in style.css), and
// nothing of Prism reaches the browser. Prism tokenises a block in a fraction of a
// millisecond (TextMate grammars under shiki took milliseconds), so every block of a
// 4,000-page site is highlighted in about a second. Tokenised blocks are cached by
// content hash in memory and, when `cacheFile` is given, on disk between builds.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Element, ElementContent } from 'hast';
import Prism from 'prismjs';
import loadLanguages from 'prismjs/components/index.js';

/** Prism grammar each accepted info-string language uses. `null`: shown as plain text. */
const languageGrammar: Record<string, string | null> = {
  sh: 'bash', bash: 'bash', shell: 'bash', zsh: 'bash',
  nix: 'nix',
  ts: 'typescript', typescript: 'typescript',
  js: 'javascript', javascript: 'javascript',
  json: 'json', yaml: 'yaml', yml: 'yaml', ini: 'ini', toml: 'toml', diff: 'diff',
  rust: 'rust', c: 'c', python: 'python', go: 'go', html: 'markup', css: 'css',
  text: null, txt: null, plaintext: null,
};

/** Whether code in `lang` is highlighted (false for plain text and transcripts). */
export function isHighlighted(lang: string): boolean {
  return typeof languageGrammar[lang] === 'string';
}

/** Languages the transcript renderer handles (commands highlighted as `sh`). */
export const transcriptLanguages = new Set(['console', 'shellsession']);

/** Every info-string language a code block may use. */
export const knownLanguages: ReadonlySet<string> = new Set([...Object.keys(languageGrammar), ...transcriptLanguages]);

/** One token: text and a class list ("" for plain). */
type Token = [text: string, className: string];
/** A highlighted block: lines of tokens. */
export type TokenLines = Token[][];

export interface CodeHighlighter {
  /** Tokenise `code` as `lang` (an entry of knownLanguages, not a transcript). */
  tokenize(code: string, lang: string): TokenLines;
  /** Highlighted `<span class="line">` elements, one per line, for a `<code>`. */
  lines(code: string, lang: string): ElementContent[];
  /**
   * Blocks (of `jobs`) not tokenised yet, one per distinct block; hand their tokens back
   * with `fill` (tokenised elsewhere, e.g. by the build's worker threads).
   */
  missing(jobs: Array<{ code: string; lang: string }>): Array<{ code: string; lang: string }>;
  fill(job: { code: string; lang: string }, tokens: TokenLines): void;
  /** Write the disk cache (if any) and free the highlighter. */
  dispose(): Promise<void>;
  /** Blocks tokenised / served from the cache during this build. */
  readonly stats: { tokenized: number; cached: number };
}

export interface HighlighterOptions {
  /** JSON file keeping tokenised blocks between builds (default: none, memory only). */
  cacheFile?: string;
}

const CACHE_VERSION = 'onix-highlight-2-prism';

/** Prism token types (and aliases) -> the palette's classes; a type not named here takes its parent's. */
const TYPE_CLASS: Record<string, string> = {
  comment: 'tk-comment', prolog: 'tk-comment', doctype: 'tk-comment', cdata: 'tk-comment', shebang: 'tk-comment', coord: 'tk-comment',
  keyword: 'tk-keyword', important: 'tk-keyword', atrule: 'tk-keyword', rule: 'tk-keyword', selector: 'tk-keyword', section: 'tk-keyword',
  deleted: 'tk-keyword', directive: 'tk-keyword', 'control-flow': 'tk-keyword', module: 'tk-keyword',
  string: 'tk-string', char: 'tk-string', regex: 'tk-string', 'attr-value': 'tk-string', 'template-string': 'tk-string', inserted: 'tk-string', 'here-doc': 'tk-string',
  interpolation: 'tk-string-expression', 'interpolation-punctuation': 'tk-string-expression', antiquotation: 'tk-string-expression',
  url: 'tk-link',
  number: 'tk-constant', boolean: 'tk-constant', constant: 'tk-constant', symbol: 'tk-constant', entity: 'tk-constant', null: 'tk-constant', environment: 'tk-constant',
  function: 'tk-function', 'function-name': 'tk-function', 'class-name': 'tk-function', builtin: 'tk-function', tag: 'tk-function', 'maybe-class-name': 'tk-function',
  variable: 'tk-parameter', parameter: 'tk-parameter', property: 'tk-parameter', 'attr-name': 'tk-parameter', key: 'tk-parameter', 'assign-left': 'tk-parameter',
  punctuation: 'tk-punctuation', operator: 'tk-punctuation',
};

function classOf(token: Prism.Token, inherited: string): string {
  const names = [token.type, ...(Array.isArray(token.alias) ? token.alias : token.alias ? [token.alias] : [])];
  for (const n of names) if (TYPE_CLASS[n]) return TYPE_CLASS[n];
  return inherited;
}

/** Prism's token stream as lines of [text, class], neighbours of one class merged. */
function toLines(stream: Prism.TokenStream): TokenLines {
  const lines: TokenLines = [[]];
  const push = (text: string, cls: string): void => {
    const parts = text.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (!part) return;
      const line = lines[lines.length - 1];
      const last = line[line.length - 1];
      if (last && last[1] === cls) last[0] += part;
      else line.push([part, cls]);
    });
  };
  const walk = (s: Prism.TokenStream, cls: string): void => {
    if (typeof s === 'string') push(s, cls);
    else if (Array.isArray(s)) for (const t of s) walk(t, cls);
    else walk(s.content, classOf(s, cls));
  };
  walk(stream, '');
  return lines;
}

let loaded = false;

/** Create the build's highlighter. Call dispose() when the build is done. */
export async function createCodeHighlighter(options: HighlighterOptions = {}): Promise<CodeHighlighter> {
  if (!loaded) {
    loadLanguages([...new Set(Object.values(languageGrammar).filter((g): g is string => g !== null))]);
    loaded = true;
  }
  const cache = new Map<string, TokenLines>();
  let dirty = false;
  if (options.cacheFile) {
    try {
      const data = JSON.parse(await readFile(options.cacheFile, 'utf8')) as { version: string; blocks: Record<string, TokenLines> };
      if (data.version === CACHE_VERSION) for (const [k, v] of Object.entries(data.blocks)) cache.set(k, v);
    } catch {
      // No cache yet, or an unreadable one: start empty.
    }
  }
  const stats = { tokenized: 0, cached: 0 };
  const used = new Set<string>();

  function tokenize(code: string, lang: string): TokenLines {
    const grammar = languageGrammar[lang];
    if (grammar === undefined) throw new Error(`unknown language "${lang}"`);
    if (grammar === null) return code.split('\n').map((line) => [[line, '']]);
    const key = keyOf(grammar, code);
    used.add(key);
    const hit = cache.get(key);
    if (hit) {
      if (!prefilled.delete(key)) stats.cached++;
      return hit;
    }
    stats.tokenized++;
    const lines = toLines(Prism.tokenize(code, Prism.languages[grammar]!));
    cache.set(key, lines);
    dirty = true;
    return lines;
  }

  const prefilled = new Set<string>();
  function keyOf(grammar: string, code: string): string {
    return createHash('sha1').update(grammar).update('\0').update(code).digest('base64url');
  }
  function missing(jobs: Array<{ code: string; lang: string }>): Array<{ code: string; lang: string }> {
    const seen = new Set<string>();
    return jobs.filter(({ code, lang }) => {
      const grammar = languageGrammar[lang];
      if (typeof grammar !== 'string') return false;
      const key = keyOf(grammar, code);
      if (cache.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  function fill({ code, lang }: { code: string; lang: string }, tokens: TokenLines): void {
    const key = keyOf(languageGrammar[lang] as string, code);
    cache.set(key, tokens);
    prefilled.add(key);
    stats.tokenized++;
    dirty = true;
  }

  function lines(code: string, lang: string): ElementContent[] {
    return tokenLinesToHast(tokenize(code, lang));
  }

  async function dispose(): Promise<void> {
    if (options.cacheFile && dirty) {
      // Keep only what this build used, so the cache does not grow without bound.
      const blocks: Record<string, TokenLines> = {};
      for (const k of used) {
        const v = cache.get(k);
        if (v) blocks[k] = v;
      }
      await mkdir(dirname(options.cacheFile), { recursive: true });
      const tmp = `${options.cacheFile}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, blocks }));
      await rename(tmp, options.cacheFile);
    }
  }

  return { tokenize, lines, missing, fill, dispose, stats };
}

/** `<span class="line">` per line, tokens as `<span class="tk-…">`, lines joined by "\n". */
export function tokenLinesToHast(lines: TokenLines): ElementContent[] {
  const out: ElementContent[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push({ type: 'text', value: '\n' });
    const children: ElementContent[] = line.map(([text, cls]) =>
      cls ? ({ type: 'element', tagName: 'span', properties: { className: cls.split(' ') }, children: [{ type: 'text', value: text }] } satisfies Element) : { type: 'text', value: text },
    );
    out.push({ type: 'element', tagName: 'span', properties: { className: ['line'] }, children });
  });
  return out;
}
