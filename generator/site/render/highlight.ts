// Build-time syntax highlighting with shiki: one highlighter per build, created by
// createCodeHighlighter() and disposed by the caller. shiki's css-variables theme names
// each token's colour as a variable (--sh-token-keyword, ...), which becomes a class
// (tk-keyword, ...) coloured by style.css, so one tokenisation serves the light and the
// dark theme and nothing of shiki reaches the browser. shiki's JavaScript regex engine
// runs the grammars: it starts in milliseconds (Oniguruma's WebAssembly takes ~200 ms) and
// gave the same tokens as Oniguruma on every block of content/ and the bench corpus, at
// under 0.2 ms a block. (The precompiled grammars mis-tokenise bash.) Tokenised blocks are cached
// by content hash in memory and, when `cacheFile` is given, on disk between builds.

import { createHash } from 'node:crypto';
import { readCacheFile, writeCacheFile } from '../../cache-file.ts';
import type { Element, ElementContent } from 'hast';
import shikiPackage from 'shiki/package.json' with { type: 'json' };
import { createCssVariablesTheme, createHighlighterCoreSync, type HighlighterCore, type LanguageRegistration } from 'shiki/core';
import { createJavaScriptRegexEngine } from 'shiki/engine/javascript';
import bash from '@shikijs/langs/bash';
import c from '@shikijs/langs/c';
import css from '@shikijs/langs/css';
import diff from '@shikijs/langs/diff';
import go from '@shikijs/langs/go';
import html from '@shikijs/langs/html';
import ini from '@shikijs/langs/ini';
import javascript from '@shikijs/langs/javascript';
import json from '@shikijs/langs/json';
import nix from '@shikijs/langs/nix';
import python from '@shikijs/langs/python';
import rust from '@shikijs/langs/rust';
import toml from '@shikijs/langs/toml';
import typescript from '@shikijs/langs/typescript';
import yaml from '@shikijs/langs/yaml';

/** Grammar each accepted info-string language uses. `null`: shown as plain text. */
const languageGrammar: Record<string, string | null> = {
  sh: 'bash',
  bash: 'bash',
  shell: 'bash',
  zsh: 'bash',
  nix: 'nix',
  ts: 'typescript',
  typescript: 'typescript',
  js: 'javascript',
  javascript: 'javascript',
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  ini: 'ini',
  toml: 'toml',
  diff: 'diff',
  rust: 'rust',
  c: 'c',
  python: 'python',
  go: 'go',
  html: 'html',
  css: 'css',
  text: null,
  txt: null,
  plaintext: null,
};

/** The grammars, fine-grained: only these are loaded (each module lists its embedded ones). */
const grammars: LanguageRegistration[][] = [bash, c, css, diff, go, html, ini, javascript, json, nix, python, rust, toml, typescript, yaml];

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
  /** Write the disk cache (if any) and free the highlighter. */
  dispose(): Promise<void>;
  /** Blocks tokenised / served from the cache during this build. */
  readonly stats: { tokenized: number; cached: number };
}

export interface HighlighterOptions {
  /** JSON file keeping tokenised blocks between builds (default: none, memory only). */
  cacheFile?: string;
}

/** Tokens depend on shiki and its grammars (one version, @shikijs/langs follows shiki): a new one empties the cache. */
const CACHE_VERSION = `onix-highlight-4-shiki-${shikiPackage.version}`;

const theme = createCssVariablesTheme({ name: 'onix', variablePrefix: '--sh-', variableDefaults: {}, fontStyle: true });

/** Class for a token colour such as "var(--sh-token-keyword)" -> "tk-keyword" (plus tk-i / tk-b). */
function tokenClass(color: string | undefined, fontStyle: number | undefined): string {
  const names: string[] = [];
  const m = color ? /--sh-(?:token-)?([a-z-]+)\)/.exec(color) : null;
  if (m && m[1] !== 'foreground') names.push(`tk-${m[1]}`);
  if (fontStyle && fontStyle & 1) names.push('tk-i');
  if (fontStyle && fontStyle & 2) names.push('tk-b');
  return names.join(' ');
}

/** shiki's lines of themed tokens as lines of [text, class], neighbours of one class merged. */
function toLines(shiki: HighlighterCore, code: string, grammar: string): TokenLines {
  // No time limit per line: a busy machine must not change the output (builds are byte-identical).
  const tokens = shiki.codeToTokensBase(code, { lang: grammar, theme: 'onix', tokenizeTimeLimit: 0 });
  return tokens.map((line) => {
    const out: Token[] = [];
    for (const t of line) {
      const cls = tokenClass(t.color, t.fontStyle);
      const last = out[out.length - 1];
      if (last && last[1] === cls) last[0] += t.content;
      else out.push([t.content, cls]);
    }
    return out;
  });
}

let shared: HighlighterCore | null = null;

/** Create the build's highlighter. Call dispose() when the build is done. */
export async function createCodeHighlighter(options: HighlighterOptions = {}): Promise<CodeHighlighter> {
  // One shiki per thread: its grammars are immutable once loaded, and loading costs more than a small build.
  shared ??= createHighlighterCoreSync({ themes: [theme], langs: grammars.flat(), engine: createJavaScriptRegexEngine() });
  const shiki = shared;
  const cache = new Map<string, TokenLines>();
  let dirty = false;
  const kept = options.cacheFile ? await readCacheFile<Record<string, TokenLines>>(options.cacheFile, CACHE_VERSION, 'json') : null;
  for (const [k, v] of Object.entries(kept ?? {})) cache.set(k, v);
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
      stats.cached++;
      return hit;
    }
    stats.tokenized++;
    const lines = toLines(shiki, code, grammar);
    cache.set(key, lines);
    dirty = true;
    return lines;
  }

  function keyOf(grammar: string, code: string): string {
    return createHash('sha1').update(grammar).update('\0').update(code).digest('base64url');
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
      await writeCacheFile(options.cacheFile, CACHE_VERSION, blocks, 'json');
    }
  }

  return { tokenize, lines, dispose, stats };
}

/** A token's class as the palette makes it ("tk-keyword", "tk-comment tk-i"), the site schema's span classes. */
const PALETTE_CLASS = /^tk-[\w-]+(?: tk-[\w-]+)*$/;

/**
 * The HTML of tokenLinesToHast(lines) as hast-util-to-html writes it (text escapes `&` and `<`
 * as `&#x26;` and `&#x3C;`, as it does), without making or walking a node per token: null
 * when a class is not one the palette makes, so the caller goes the hast way.
 */
export function tokenLinesToHtml(lines: TokenLines): string | null {
  let html = '';
  for (let i = 0; i < lines.length; i++) {
    html += i > 0 ? '\n<span class="line">' : '<span class="line">';
    for (const [text, cls] of lines[i]!) {
      const escaped = escapeText(text);
      if (!cls) html += escaped;
      else if (PALETTE_CLASS.test(cls)) html += `<span class="${cls}">${escaped}</span>`;
      else return null;
    }
    html += '</span>';
  }
  return html;
}

function escapeText(text: string): string {
  return /[&<]/.test(text) ? text.replace(/[&<]/g, (c) => (c === '&' ? '&#x26;' : '&#x3C;')) : text;
}

/** `<span class="line">` per line, tokens as `<span class="tk-…">`, lines joined by "\n". */
export function tokenLinesToHast(lines: TokenLines): ElementContent[] {
  const out: ElementContent[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push({ type: 'text', value: '\n' });
    const children: ElementContent[] = line.map(([text, cls]) =>
      cls
        ? ({ type: 'element', tagName: 'span', properties: { className: cls.split(' ') }, children: [{ type: 'text', value: text }] } satisfies Element)
        : { type: 'text', value: text },
    );
    out.push({ type: 'element', tagName: 'span', properties: { className: ['line'] }, children });
  });
  return out;
}
