// The checks that keep a page's HTML inside the contributor schema (sanitize-schema.ts) and
// say so with file:line, rather than letting the sanitiser drop what a contributor wrote:
// raw HTML elements and attributes, and the schemes of link and image URLs. Each check
// follows hast-util-sanitize's own rules (the definition lookup, value lists, the scheme
// test), so whatever passes here comes out of the sanitiser unchanged.

import type { Element, Nodes as HastNodes } from 'hast';
import { fromHtml } from 'hast-util-from-html';
import type { Schema } from 'hast-util-sanitize';
import type { Html } from 'mdast';
import { find, html as htmlSpace } from 'property-information';
import { contributorSchema, LINK_SCHEMES, MEDIA_SCHEMES } from './sanitize-schema.ts';

/** Records a problem at a line of the page. */
export type ReportProblem = (line: number, message: string) => void;

/**
 * The scheme of `url` as hast-util-sanitize sees it: the text before the first `:`, unless
 * a `/`, `?` or `#` comes first (then the URL is relative: null). Browsers ignore tabs and
 * newlines in a scheme (`java\tscript:`); the sanitiser does not strip them, it rejects the
 * whole scheme, and so does this check.
 */
function urlScheme(url: string): string | null {
  const colon = url.indexOf(':');
  if (colon < 0) return null;
  for (const c of ['/', '?', '#']) {
    const at = url.indexOf(c);
    if (at > -1 && at < colon) return null;
  }
  return url.slice(0, colon);
}

/** What a URL is used as: a link's target, or the source of an image (or a citation). */
type UrlUse = 'link' | 'image';

/**
 * The problem with `url` used as `use`, or null when its scheme is allowed. `subject` names
 * the URL in the message (default: "link URL" or "image URL").
 */
export function urlProblem(url: string, use: UrlUse, subject = `${use} URL`): string | null {
  const scheme = urlScheme(url);
  const allowed = use === 'link' ? LINK_SCHEMES : MEDIA_SCHEMES;
  if (scheme === null || allowed.includes(scheme)) return null;
  return `${subject} scheme "${printable(scheme)}:" is not allowed (use ${allowed.join(', ')} in lower case, or a relative URL)`;
}

/** Control characters shown as \uXXXX, long schemes cut: a problem is one readable line. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern shows.
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 40 ? `${shown.slice(0, 40)}...` : shown;
}

/** Raw HTML elements a page may nest (a browser stops nesting at 512; the HTML parser recurses). */
const MAX_RAW_DEPTH = 256;

/** Elements without an end tag: they never nest. */
const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/**
 * How a page's raw elements nest, fed one raw node at a time in document order (a tag opened
 * in one node and closed in another is one element). Refused: nesting deeper than
 * MAX_RAW_DEPTH (once, at the tag that goes too deep), and a table part outside a raw
 * <table> (the sanitiser drops it, as GitHub does: `ancestors` in its schema).
 */
export class RawHtmlNesting {
  private depth = 0;
  private tables = 0;
  private reportedDepth = false;

  constructor(private readonly schema: Schema = contributorSchema) {}

  add(node: Html, report: ReportProblem): void {
    const firstLine = node.position?.start.line ?? 1;
    const text = blankComments(node.value);
    for (const m of text.matchAll(/<(\/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(\/?)>/g)) {
      const name = m[2]!.toLowerCase();
      const line = firstLine + countNewlines(node.value, m.index);
      if (m[1]) {
        this.depth = Math.max(0, this.depth - 1);
        if (name === 'table') this.tables = Math.max(0, this.tables - 1);
        continue;
      }
      if (!m[3] && !voidElements.has(name)) this.depth++;
      if (name === 'table' && !m[3]) this.tables++;
      const needs = this.schema.ancestors?.[name];
      if (needs?.includes('table') && this.tables === 0) report(line, `raw HTML <${name}> outside a <table> is not allowed`);
      if (this.depth > MAX_RAW_DEPTH && !this.reportedDepth) {
        this.reportedDepth = true;
        report(line, `raw HTML nests more than ${MAX_RAW_DEPTH} elements deep`);
      }
    }
  }
}

/** Element properties whose value is a URL, and how it is used (the sanitiser checks these). */
const urlProperties: Record<string, UrlUse> = { href: 'link', action: 'link', src: 'image', cite: 'image', longDesc: 'image' };

/**
 * Check one raw HTML node of a page: each element must be one GitHub allows, with attributes
 * and values GitHub allows; comments are fine (they are how the spec marks its contract
 * table, and a reader never sees them); declarations and processing instructions are not.
 */
export function checkRawHtml(node: Html, report: ReportProblem, schema: Schema = contributorSchema): void {
  const firstLine = node.position?.start.line ?? 1;
  const value = node.value;
  const lineAt = (offset: number): number => firstLine + countNewlines(value, offset);
  const tags = new Set(schema.tagNames ?? []);

  // Tag names from the text itself: the HTML parser drops some elements without a trace
  // (<html>, <body>, a <td> outside a table), and they must be reported too.
  const text = blankComments(value);
  const seen = new Set<string>();
  for (const m of text.matchAll(/<(\/?)([A-Za-z][A-Za-z0-9-]*)|<([!?])/g)) {
    const line = lineAt(m.index);
    if (m[3]) {
      report(line, `raw HTML <${m[3]}...> is not allowed (only elements GitHub allows, and comments)`);
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (tags.has(name) || seen.has(`${line}:${name}`)) continue;
    seen.add(`${line}:${name}`);
    report(line, `raw HTML <${name}> is not allowed`);
  }

  // Attributes, from the parsed fragment (the parser decodes entities in values, as a browser does).
  const fragment = fromHtml(value, { fragment: true });
  walkElements(fragment, (el) => {
    if (!tags.has(el.tagName)) return;
    const line = firstLine + (el.position?.start.line ?? 1) - 1;
    for (const [key, v] of Object.entries(el.properties)) {
      const use = urlProperties[key];
      const urls = use === undefined || v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
      const bad = urls.map((u) => urlProblem(String(u), use!, `raw HTML <${el.tagName} ${attributeName(key)}>`)).find((p) => p !== null);
      if (bad) report(line, bad);
      else if (!attributeAllowed(schema, el.tagName, key, v)) report(line, `raw HTML attribute ${attributeName(key)} on <${el.tagName}> is not allowed`);
    }
  });
}

/** The HTML attribute of a hast property name (`onError` -> `onerror`). */
function attributeName(property: string): string {
  return find(htmlSpace, property).attribute;
}

type Definition = NonNullable<NonNullable<Schema['attributes']>[string]>[number];

/** Whether hast-util-sanitize keeps property `key` with value `value` on `tag` (as its properties() does). */
function attributeAllowed(schema: Schema, tag: string, key: string, value: unknown): boolean {
  const attributes = schema.attributes ?? {};
  const specific = Object.hasOwn(attributes, tag) ? (attributes[tag] ?? undefined) : undefined;
  const defaults = Object.hasOwn(attributes, '*') ? (attributes['*'] ?? undefined) : undefined;
  return valueAllowed(findDefinition(specific, key), value) || valueAllowed(findDefinition(defaults, key), value);
}

function findDefinition(definitions: readonly Definition[] | undefined, key: string): Definition | undefined {
  let dataDefault: Definition | undefined;
  for (const entry of definitions ?? []) {
    const name = typeof entry === 'string' ? entry : entry[0];
    if (name === key) return entry;
    if (name === 'data*') dataDefault = entry;
  }
  return key.length > 4 && key.slice(0, 4).toLowerCase() === 'data' ? dataDefault : undefined;
}

function valueAllowed(definition: Definition | undefined, value: unknown): boolean {
  if (definition === undefined) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.every((v) => {
    if (typeof v !== 'boolean' && typeof v !== 'number' && typeof v !== 'string') return false;
    if (typeof definition === 'string' || definition.length <= 1) return true;
    return definition.slice(1).some((allowed) => (allowed instanceof RegExp ? allowed.test(String(v)) : allowed === v));
  });
}

function walkElements(node: HastNodes, fn: (el: Element) => void): void {
  if (node.type === 'element') fn(node);
  if ('children' in node) for (const child of node.children) walkElements(child, fn);
  if (node.type === 'element' && node.content) walkElements(node.content, fn);
}

/** `text` with every comment's characters (newlines kept) turned into spaces, so offsets still match lines. */
function blankComments(text: string): string {
  return text.replace(/<!--[\s\S]*?(?:-->|$)/g, (c) => c.replace(/[^\n]/g, ' '));
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
