// What HTML a page's content may hold, in two schemas of hast-util-sanitize:
//   - contributorSchema: GitHub's (hast-util-sanitize's defaultSchema follows github.com's
//     sanitiser), with link and image schemes narrowed to http, https, mailto and relative
//     URLs. Raw HTML written in a page is checked against it (raw-html.ts): anything outside
//     it is a build error, never a silent drop. The pages are read on GitHub too, so what
//     renders there renders here.
//   - siteSchema: the contributor schema plus exactly what our own rendering of Markdown adds
//     (code-block.ts, render-page.ts, highlight.ts). The whole body of every page goes through
//     it before it is written, so a gap in the check still cannot put script in front of a
//     reader. The layout around the body (layout.ts) is built by us from escaped text and is
//     not sanitised.
// A contributor cannot use what siteSchema adds (a raw `<span class="spec-passed">` would fake
// a verified badge): the check holds raw HTML to contributorSchema.

import { defaultSchema, type Schema } from 'hast-util-sanitize';

type Attributes = NonNullable<Schema['attributes']>;

/** Schemes a link (`href`) may use; a URL without a scheme is relative and always allowed. */
export const LINK_SCHEMES: readonly string[] = ['http', 'https', 'mailto'];
/** Schemes an image or a citation (`src`, `cite`, `longDesc`) may use. */
export const MEDIA_SCHEMES: readonly string[] = ['http', 'https'];

/**
 * The URLs of a `srcset` (`<source>` in a `<picture>`, which GitHub allows): hast holds it
 * split at commas, each candidate a URL and its descriptors. hast-util-sanitize checks no
 * scheme there, so the raw HTML check and the body's last pass check each URL as an image's.
 */
export function srcsetUrls(value: unknown): string[] {
  const candidates = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',');
  return candidates.map((c) => c.trim().split(/\s+/)[0] ?? '').filter((u) => u !== '');
}

/**
 * GitHub's schema, URL schemes narrowed (GitHub also lets irc, ircs and xmpp links through),
 * and `action` (allowed on every element by GitHub, inert without a <form>) held to the
 * link schemes too, so no javascript: URL is published even where it cannot run. Raw
 * <input> is out: github.com strips it (defaultSchema lists it only for the checkboxes of
 * task lists, which our rendering makes: siteSchema has it).
 */
export const contributorSchema: Schema = {
  ...defaultSchema,
  tagNames: (defaultSchema.tagNames ?? []).filter((t) => t !== 'input'),
  protocols: {
    href: [...LINK_SCHEMES],
    action: [...LINK_SCHEMES],
    src: [...MEDIA_SCHEMES],
    cite: [...MEDIA_SCHEMES],
    longDesc: [...MEDIA_SCHEMES],
  },
};

const statusClass = /^spec-(?:passed|failed|not-run|running)$/;

/**
 * What our rendering adds to GitHub's schema, element by element, and why:
 * - input: the disabled checkbox of a task list item (GitHub's own rendering adds it too).
 * - figure/figcaption: a code block is a figure whose caption names the language and, for a
 *   transcript, its last spec result (code-block.ts); data-lang, data-block and data-status
 *   let the browser script and the tests find a block's result.
 * - span classes: highlighted tokens (tk-*, highlight.ts), transcript lines (line, cmd, out,
 *   exit, prompt, command), matchers and captures, the result badge (spec-status, spec-*), and
 *   a missing report artifact (spec-artifact-missing with role img and an aria-label).
 * - pre.code, a.anchor (the "#" link after each heading), img.spec-artifact with
 *   loading=lazy (every image is lazy).
 * - div.table-scroll (.contract) with role region and an aria-label: a table scrolls in its
 *   own focusable region; p.table-note (spec-*) under the contract table; tr.spec-row
 *   (spec-*) with data-status for each contract row's result.
 * - What the machine printed (code-block.ts): span.varies (.capture, data-capture) around what a
 *   matcher covered, with a span.visually-hidden saying so; details.elided for the lines a `...`
 *   stood for; p.transcript-legend (span.legend-head) explaining the notation; for a failed
 *   block, p.spec-diff-head and pre.spec-diff with the unified diff (span.del, span.ins, span.hunk).
 * - Results (case-result.ts): div.spec-summary (spec-*, p.spec-summary-links) at the top of a
 *   spec page; p.case-result (spec-*, span.case-note) under a case's heading; span.proof-result
 *   after a link to a procedure.
 * - Renders (renders.ts): div.renders, div.render-row, figure.render with span.render-title and
 *   span.render-facts in its caption, p.render-compare.
 */
const siteAttributes: Attributes = {
  figure: [['className', 'code-block', 'transcript', 'render'], 'dataLang', 'dataBlock', ['dataStatus', 'passed', 'failed', 'not-run', 'running']],
  figcaption: [['className', 'code-head']],
  span: [
    [
      'className',
      /^tk-[\w-]+$/,
      'line',
      'cmd',
      'out',
      'exit',
      'prompt',
      'command',
      'matcher',
      'capture',
      'placeholder',
      'code-lang',
      'spec-status',
      statusClass,
      'spec-artifact-missing',
      'varies',
      'visually-hidden',
      'legend-head',
      'case-note',
      'del',
      'ins',
      'hunk',
      'proof-result',
      'render-title',
      'render-facts',
    ],
    ['role', 'img'],
    'ariaLabel',
    'dataCapture',
  ],
  details: [['className', 'elided']],
  pre: [['className', 'code', 'spec-diff']],
  a: [['className', 'anchor']],
  img: [
    ['className', 'spec-artifact'],
    ['loading', 'lazy'],
  ],
  div: [['className', 'table-scroll', 'contract', 'renders', 'render-row', 'spec-summary', statusClass], ['role', 'region'], 'ariaLabel'],
  p: [['className', 'table-note', 'transcript-legend', 'spec-diff-head', 'case-result', 'render-compare', 'spec-summary-links', statusClass]],
  tr: [
    ['className', 'spec-row', statusClass],
    ['dataStatus', 'passed', 'failed', 'not-run', 'running'],
  ],
};

type Definition = Attributes[string] extends ReadonlyArray<infer D> | null | undefined ? D : never;

/** `base` plus `extra`; two definitions of one attribute on one element allow the values of both. */
function merge(base: Attributes, extra: Attributes): Attributes {
  const out: Attributes = { ...base };
  for (const [tag, list] of Object.entries(extra)) {
    const merged: Definition[] = [...(base[tag] ?? [])];
    for (const def of list ?? []) {
      const name = typeof def === 'string' ? def : def[0];
      const at = merged.findIndex((d) => (typeof d === 'string' ? d : d[0]) === name);
      const known = at === -1 ? undefined : merged[at]!;
      if (known === undefined) merged.push(def);
      // A bare name allows every value: it stays (or becomes) bare.
      else if (typeof known !== 'string') merged[at] = typeof def === 'string' ? def : ([name, ...known.slice(1), ...def.slice(1)] as Definition);
    }
    out[tag] = merged;
  }
  return out;
}

/** The schema the rendered body of every page goes through. */
export const siteSchema: Schema = {
  ...contributorSchema,
  tagNames: [...(contributorSchema.tagNames ?? []), 'input', 'figure', 'figcaption'],
  attributes: merge(contributorSchema.attributes ?? {}, siteAttributes),
};
