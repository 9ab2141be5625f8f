// The Content-Security-Policy every page carries, as a <meta http-equiv> (GitHub Pages sets
// no headers). It is the second wall behind the sanitiser (sanitize-body.ts): should markup
// ever slip through, the browser still runs only the site's own scripts. The inline scripts
// the layout needs are allowed by the sha256 of their exact text, computed here at build
// time from the same string the layout writes, so editing one never needs a hand-pasted hash.

import { createHash } from 'node:crypto';
import type { Element } from 'hast';
import { h } from 'hastscript';

export interface PolicyOptions {
  /** Inline <script> texts the page carries, byte for byte (default: none). */
  inlineScripts?: readonly string[];
  /**
   * A nonce for inline <style> elements (default: none). Only the dev server sets one, for
   * Vite's error overlay, which styles itself with a <style> carrying the nonce it finds in
   * `<meta property="csp-nonce">`.
   */
  styleNonce?: string;
}

/** `'sha256-...'` source of an inline script's text, as the browser hashes it (UTF-8). */
function scriptHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The policy, one directive after another, each with why it is there. */
export function contentSecurityPolicy(options: PolicyOptions = {}): string {
  const directives: Array<[name: string, ...sources: string[]]> = [
    // Anything not named below: the site's own origin only.
    ['default-src', "'self'"],
    // The site's own script files, the inline theme bootstrap by hash (it must run before
    // first paint, so it cannot be a file), and compiling WebAssembly: the search (Pagefind)
    // loads its own JS and a .wasm from /pagefind/. No 'unsafe-inline', no 'unsafe-eval'.
    ['script-src', "'self'", ...(options.inlineScripts ?? []).map(scriptHash), "'wasm-unsafe-eval'"],
    // The stylesheet; no inline styles (the sanitiser drops style attributes anyway).
    ['style-src', "'self'", ...(options.styleNonce ? [`'nonce-${options.styleNonce}'`] : [])],
    // Pages may show images from any https address. Markdown may name http images too: on the
    // https site the browser upgrades those to https before this policy sees them.
    ['img-src', "'self'", 'https:'],
    ['font-src', "'self'"],
    // The search fetches its index chunks from /pagefind/; the dev server's Vite client
    // talks to its own origin over a WebSocket, which 'self' covers in CSP level 3.
    ['connect-src', "'self'"],
    // No plugins (<object>, <embed>) ever.
    ['object-src', "'none'"],
    // A <base href> would re-point every relative URL, scripts included.
    ['base-uri', "'self'"],
    // No page has a form that posts anywhere else.
    ['form-action', "'self'"],
    // frame-ancestors and sandbox are not listed: browsers ignore them in a <meta> policy
    // (and say so in the console).
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** The <meta http-equiv="Content-Security-Policy"> for a page; first in <head>, before any script. */
export function policyMeta(options: PolicyOptions = {}): Element {
  return h('meta', { httpEquiv: 'Content-Security-Policy', content: contentSecurityPolicy(options) });
}

const policyMetaPattern = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/;

/**
 * A page of the dev server with a style nonce added to its policy, and the
 * `<meta property="csp-nonce">` Vite's client reads it from. The rest of the policy is the
 * built page's, unchanged.
 */
export function withStyleNonce(html: string, nonce: string): string {
  return html.replace(policyMetaPattern, (_, content: string) => {
    const policy = content
      .replace(/&#x27;/g, "'")
      .replace(/&#x22;/g, '"')
      .replace(/&#x26;/g, '&');
    const nonced = policy.replace(/(^|; )style-src ([^;]*)/, `$1style-src $2 'nonce-${nonce}'`);
    return `<meta http-equiv="Content-Security-Policy" content="${nonced.replace(/&/g, '&#x26;').replace(/"/g, '&#x22;')}"><meta property="csp-nonce" nonce="${nonce}">`;
  });
}
