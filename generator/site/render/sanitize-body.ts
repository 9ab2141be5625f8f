// The last step of rendering a page's content: raw HTML the page holds is parsed into hast
// (hast-util-raw, only when there is some: it re-parses the whole tree), then the whole body
// goes through hast-util-sanitize with the site schema (sanitize-schema.ts). The build has
// already refused raw HTML outside GitHub's schema (raw-html.ts); this makes sure nothing
// else can slip through either.
//
// Like GitHub, the sanitiser prefixes ids and names with `user-content-` so raw HTML cannot
// clobber globals of the page's scripts (`<img name="getElementById">`). Ids our rendering
// gave (heading slugs, footnotes) get their own value back afterwards, so `#slug` links and
// the toc keep working; raw HTML's ids stay prefixed, as on GitHub.

import type { Element, Nodes, Root } from 'hast';
import { raw } from 'hast-util-raw';
import { sanitize } from 'hast-util-sanitize';
import { siteSchema } from './sanitize-schema.ts';

/** Properties the sanitiser prefixes (GitHub's list). */
const clobbered = siteSchema.clobber ?? [];
const prefix = siteSchema.clobberPrefix ?? '';

/** The body of a page with its raw HTML parsed into elements (a no-op without raw HTML). */
export function parseRawHtml(tree: Root): Root {
  let hasRaw = false;
  visit(tree, (node) => {
    if (node.type === 'raw') hasRaw = true;
  });
  return hasRaw ? (raw(tree) as Root) : tree;
}

/** The body of a page, raw HTML parsed, sanitised with the site schema. */
export function sanitizeBody(tree: Root): Root {
  const ours = new Set<string>();
  let hasRaw = false;
  // Before raw HTML is parsed, every element in the tree was made by our rendering.
  visit(tree, (node) => {
    if (node.type === 'raw') hasRaw = true;
    else if (node.type === 'element') for (const key of clobbered) for (const v of valuesOf(node, key)) ours.add(v);
  });
  const clean = sanitize(hasRaw ? raw(tree) : tree, siteSchema) as Root;
  if (prefix && ours.size > 0) {
    visit(clean, (node) => {
      if (node.type !== 'element') return;
      for (const key of clobbered) {
        const v = node.properties[key];
        if (typeof v === 'string') node.properties[key] = restore(v, ours);
        else if (Array.isArray(v)) node.properties[key] = v.map((x) => (typeof x === 'string' ? restore(x, ours) : x));
      }
    });
  }
  return clean;
}

function restore(value: string, ours: Set<string>): string {
  return value.startsWith(prefix) && ours.has(value.slice(prefix.length)) ? value.slice(prefix.length) : value;
}

function valuesOf(el: Element, key: string): string[] {
  const v = el.properties[key];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function visit(node: Nodes, fn: (node: Nodes) => void): void {
  fn(node);
  if ('children' in node) for (const child of node.children) visit(child, fn);
}
