// Where a content file is published: content/index.md -> "/", content/cli.md -> "/cli/",
// content/a/index.md -> "/a/". Pretty URLs as folders with index.html, which GitHub Pages serves.

import { posix } from 'node:path';

/** URL path (leading and trailing slash) of the content file at `relPath` (posix, relative to content/). */
export function urlForContentPath(relPath: string): string {
  const withoutExt = relPath.replace(/\.md$/, '');
  const parts = withoutExt.split('/');
  if (parts[parts.length - 1] === 'index') parts.pop();
  return parts.length === 0 ? '/' : `/${parts.join('/')}/`;
}

/** File under dist/ (posix, relative) that serves `url`. */
export function outputFileForUrl(url: string): string {
  if (url.endsWith('.html') || url.endsWith('.xml') || url.endsWith('.txt')) return url.slice(1);
  return posix.join(url.slice(1), 'index.html');
}

/**
 * Resolve a link written in `fromRel` (a content path) to a site URL and fragment.
 * Accepts site paths ("/cli/#status"), relative Markdown paths ("cli.md#status", "../a/b.md")
 * and bare fragments ("#status"). Returns null for external links (scheme or protocol-relative).
 */
export function resolveInternalLink(fromRel: string, href: string): { url: string; fragment: string } | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return null;
  const hashAt = href.indexOf('#');
  const path = hashAt === -1 ? href : href.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : decodeFragment(href.slice(hashAt + 1));
  if (path === '') return { url: urlForContentPath(fromRel), fragment };
  if (path.startsWith('/')) {
    const url = path.endsWith('/') || /\.[a-z]+$/i.test(path) ? path : `${path}/`;
    return { url, fragment };
  }
  const joined = posix.normalize(posix.join(posix.dirname(fromRel), path));
  if (joined.endsWith('.md')) return { url: urlForContentPath(joined), fragment };
  const url = `/${joined}`;
  return { url: url.endsWith('/') || /\.[a-z]+$/i.test(url) ? url : `${url}/`, fragment };
}

/** A fragment as the id it targets; a malformed escape (`#%`) stays as written, as a browser keeps it. */
export function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
