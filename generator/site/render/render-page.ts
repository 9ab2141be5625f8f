// One page from its shared mdast to HTML, through unified: remark-rehype (with our handlers
// for code, headings, links and images; raw HTML kept) -> the body parsed and sanitised
// (sanitize-body.ts) -> rehype-stringify.
// The processor is built once per build; the mdast is never modified.

import { randomBytes } from 'node:crypto';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { h } from 'hastscript';
import type { Heading, Image, Link, Root as MdastRoot } from 'mdast';
import { defaultHandlers, type State } from 'mdast-util-to-hast';
import { toString as textOf } from 'mdast-util-to-string';
import rehypeStringify from 'rehype-stringify';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { ContentError } from '../../content/parse.ts';
import { ARTIFACT_SCHEME, type PageFacts, type PageSummary } from '../model/analyze.ts';
import type { ArtifactImages } from '../model/artifact-images.ts';
import { defaultSiteConfig } from '../model/config.ts';
import { linkedCase, renderCaseResult, renderLinkedResult, renderPageTally } from './case-result.ts';
import { renderCodeBlock } from './code-block.ts';
import type { CodeHighlighter } from './highlight.ts';
import { joinRestarts } from './join-restarts.ts';
import { artifactImagesOf, renderRenders } from './renders.ts';
import { renderLayout, type LayoutSite } from './layout.ts';
import { parseRawHtml, sanitizeBody } from './sanitize-body.ts';
import type { BlockResult, SpecResults } from '../model/spec-results.ts';

/** Where renderDocument() puts the body. */
const BODY_MARK = 'onix:body';

export interface RenderSite extends LayoutSite {
  highlighter: CodeHighlighter;
  results: SpecResults;
  /** Sizes and pixel comparisons of the report's PNG artifacts (default: none known). */
  images?: ArtifactImages;
  /** Public URL of a report artifact that the build copies, or null when absent. */
  artifactUrl(path: string): string | null;
}

/**
 * A site for rendering pages' content before the layout's part is known (the nav, the
 * assets and the dates come once every page's facts are): the default config, no nav, no
 * asset URLs, no dates.
 */
export function contentSite(parts: Pick<RenderSite, 'highlighter' | 'results' | 'images' | 'artifactUrl'>): RenderSite {
  return {
    config: defaultSiteConfig,
    nav: [],
    assets: { css: '', js: '', logo: '', favicon: '', faviconPng: '', touchIcon: '', search: null },
    lastUpdated: () => null,
    ...parts,
  };
}

/** The page being rendered; handlers read it (rendering is synchronous, one page at a time). */
interface Current {
  summary: PageSummary;
  headingIds: Map<Heading, string>;
  linkTargets: Map<Link | Image, string>;
  /** The HTML of the page's highlighted blocks, in the order their marks stand in the tree. */
  blocks: string[];
}

/**
 * Where a highlighted block's HTML goes in a body: a text node the sanitiser keeps as it is
 * and the stringifier writes as it is, replaced by the block's lines once the body is a
 * string. Random for each process, so no page can write one. The lines are made by
 * tokenLinesToHtml (escaped text in spans of the palette's classes, which the site schema
 * allows), so walking, checking and writing a node per token is left out: a third of a
 * body's rendering on the bench's pages.
 */
const BLOCK_MARK = `onix-block-${randomBytes(16).toString('hex')}-`;
const BLOCK_MARKS = new RegExp(`${BLOCK_MARK}(\\d+)\\.`, 'g');

/** A generated page (404, the run page, the test machine page): the layout around `body`. */
export interface SpecialPage {
  title: string;
  description: string;
  url: string;
  body: ElementContent[];
  /** The monospace line above the title (default: none). */
  kicker?: string;
  /** Table of contents entries (default: none). */
  toc?: Array<{ id: string; text: string; depth: number }>;
  /** Keep search engines away, with no canonical URL (default: false). */
  noindex?: boolean;
}

export interface PageRenderer {
  /** Complete HTML document of a page. */
  render(summary: PageSummary): string;
  /** The HTML of a page's content alone: all that needs its mdast. */
  renderBody(summary: PageSummary): string;
  /** The document around a body from renderBody(): needs only the page's facts and the site. */
  renderDocument(facts: PageFacts, body: string): string;
  /** A document with the site's layout around `body` (404 page, dev error page). */
  renderSpecial(options: SpecialPage): string;
}

export interface PageRendererOptions {
  /**
   * Sanitise each page's body with the site schema (default: true). Off only in the test
   * that proves the schema keeps every bit of markup our own rendering adds.
   */
  sanitize?: boolean;
}

export function createPageRenderer(site: RenderSite, options: PageRendererOptions = {}): PageRenderer {
  let current: Current | null = null;
  const cur = (): Current => {
    if (!current) throw new Error('renderer used outside render()');
    return current;
  };

  const handlers = {
    code(state: State, node: import('mdast').Code): Element {
      const c = cur();
      const result = renderCodeBlock(node, {
        highlighter: site.highlighter,
        file: c.summary.page.file,
        resultAt: (line) => site.results.block(`${c.summary.page.file}:${line}`, c.summary.page.file, c.summary.page.contentHash),
        inline: (html) => ({ type: 'text', value: `${BLOCK_MARK}${c.blocks.push(html) - 1}.` }),
      });
      state.patch(node, result);
      return result;
    },
    heading(state: State, node: Heading): ElementContent[] {
      const c = cur();
      const id = c.headingIds.get(node) ?? '';
      const text = ([] as ElementContent[]).concat(state.all(node));
      const result = h(`h${node.depth}`, { id }, [...text, h('a.anchor', { href: `#${id}`, ariaLabel: `Link to this section` }, '#')]);
      state.patch(node, result);
      const { file, contentHash } = c.summary.page;
      const caseResult = site.results.caseAt(`${file}:${node.position?.start.line ?? 0}`, file, contentHash);
      return caseResult ? [result, renderCaseResult(caseResult)] : [result];
    },
    link(state: State, node: Link): ElementContent[] {
      const c = cur();
      const href = c.linkTargets.get(node) ?? node.url;
      const result = h('a', { href, title: node.title ?? undefined }, state.all(node));
      state.patch(node, result);
      // A link to a procedure (a case's heading on a spec page) carries that case's last result.
      const proof = linkedCase(node.url, c.summary.page.file, site.results);
      return proof ? [result, { type: 'text', value: ' ' }, renderLinkedResult(proof)] : [result];
    },
    /** Tables scroll inside their own focusable region on narrow screens. */
    table(state: State, node: import('mdast').Table): Element {
      const table = defaultHandlers.table(state, node);
      const head = node.children[0]?.children.map((cell) => textOf(cell)) ?? [];
      const c = cur();
      const contract = c.summary.contractTables.has(node);
      let caption: Element | null = null;
      if (contract)
        caption = markContractRows(table, node, (line) =>
          site.results.block(`${c.summary.page.file}:${line}`, c.summary.page.file, c.summary.page.contentHash),
        );
      return h('div.table-scroll', { className: contract ? ['contract'] : undefined, tabIndex: 0, role: 'region', ariaLabel: `Table: ${head.join(', ')}` }, [
        table,
        caption,
      ]);
    },
    /** A paragraph of renders from the spec run: figures with captions and the pixel comparison. */
    paragraph(state: State, node: import('mdast').Paragraph): Element {
      const images = artifactImagesOf(node.children, ARTIFACT_SCHEME);
      if (!images) return defaultHandlers.paragraph(state, node);
      const c = cur();
      const { file, contentHash } = c.summary.page;
      const result = renderRenders(images, ARTIFACT_SCHEME, {
        codeBlocks: c.summary.codeBlocks,
        resultAt: (line) => site.results.block(`${file}:${line}`, file, contentHash),
        artifactUrl: site.artifactUrl,
        images: site.images,
      });
      state.patch(node, result);
      return result;
    },
    image(state: State, node: Image): Element {
      let result: Element;
      if (node.url.startsWith(ARTIFACT_SCHEME)) {
        const src = site.artifactUrl(node.url.slice(ARTIFACT_SCHEME.length));
        result = src
          ? h('img.spec-artifact', { src, alt: node.alt ?? '', title: node.title ?? undefined, loading: 'lazy' })
          : h('span.spec-artifact-missing', { role: 'img', ariaLabel: node.alt ?? '' }, `${node.alt ?? 'image'} (appears after the spec runs)`);
      } else {
        result = h('img', { src: cur().linkTargets.get(node) ?? node.url, alt: node.alt ?? '', title: node.title ?? undefined, loading: 'lazy' });
      }
      state.patch(node, result);
      return result;
    },
  };

  const processor = unified()
    .use(remarkRehype, { handlers, allowDangerousHtml: true })
    // A lone `$ reboot` joins its neighbour (join-restarts.ts) before the sanitiser drops the
    // mark that finds it; a spec page opens with the summary of its results. Both go through
    // the sanitiser like the rest of the body.
    .use(() => (tree: HastRoot) => {
      joinRestarts(tree);
      const { summary } = cur();
      const tally = summary.showsResults ? renderPageTally(site.results.page(summary.page.file, summary.page.contentHash)) : null;
      if (tally) tree.children.unshift(tally, { type: 'text', value: '\n' });
    })
    .use(() => (options.sanitize === false ? parseRawHtml : sanitizeBody))
    .use(rehypeStringify);

  function renderBody(summary: PageSummary): string {
    const headingIds = new Map<Heading, string>();
    for (const hd of summary.headings) headingIds.set(hd.node, hd.id);
    const linkTargets = new Map<Link | Image, string>();
    for (const l of summary.links) if (l.target) linkTargets.set(l.node, l.target.url + (l.target.fragment ? `#${l.target.fragment}` : ''));
    const blocks: string[] = [];
    current = { summary, headingIds, linkTargets, blocks };
    try {
      const html = processor.stringify(processor.runSync(summary.page.tree as MdastRoot) as HastRoot);
      return blocks.length ? html.replace(BLOCK_MARKS, (_, i: string) => blocks[Number(i)]!) : html;
    } catch (error) {
      // The tree walkers recurse: a page nested thousands deep (raw HTML past the check in
      // raw-html.ts, quotes in quotes) overflows the stack. That is the page's problem.
      if (error instanceof RangeError) throw new ContentError(summary.page.file, summary.page.bodyLine, 'the page nests too deeply to render');
      throw error;
    } finally {
      current = null;
    }
  }

  function renderDocument(facts: PageFacts, body: string): string {
    const doc = renderLayout(site, {
      title: facts.title,
      description: facts.description,
      url: facts.url,
      kicker: facts.kicker,
      rel: facts.rel,
      toc: facts.headings.filter((x) => x.depth === 2 || x.depth === 3).map((x) => ({ id: x.id, text: x.text, depth: x.depth })),
      body: [{ type: 'comment', value: BODY_MARK }],
    });
    // The body went through the same stringifier on its own; content cannot make a comment
    // (the sanitiser drops comments), so the mark is found exactly once.
    const [before, after] = processor.stringify(doc).split(`<!--${BODY_MARK}-->`);
    return before + body + after;
  }

  function render(summary: PageSummary): string {
    return renderDocument(summary, renderBody(summary));
  }

  function renderSpecial(options: SpecialPage): string {
    return processor.stringify(renderLayout(site, { kicker: '', toc: [], ...options, rel: null }));
  }

  return { render, renderBody, renderDocument, renderSpecial };
}

/**
 * Mark each row of the contract table with its last spec result (row id: file and line of
 * the row), and return a note under the table that sums them up.
 */
function markContractRows(table: Element, node: import('mdast').Table, resultAt: (line: number) => BlockResult): Element {
  const rows = node.children.slice(1);
  const body = table.children.find((c): c is Element => c.type === 'element' && c.tagName === 'tbody');
  const trs = body ? body.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'tr') : [];
  const counts = { passed: 0, failed: 0, 'not-run': 0, running: 0 };
  let last: BlockResult | null = null;
  rows.forEach((row, i) => {
    const result = resultAt(row.position?.start.line ?? 0);
    counts[result.status]++;
    if (result.status !== 'not-run' && result.status !== 'running') last = result;
    const tr = trs[i];
    if (tr) {
      tr.properties = {
        ...tr.properties,
        className: ['spec-row', `spec-${result.status}`],
        dataStatus: result.status,
        title:
          result.status === 'not-run'
            ? `not run: ${result.note}`
            : result.status === 'running'
              ? 'running...'
              : `${result.status} on ${result.machine}, ${result.date}`,
      };
    }
  });
  const ran = last as BlockResult | null;
  const text = counts.running
    ? `${rows.length} rows, running...`
    : ran
      ? `${counts.passed} of ${rows.length} rows verified on ${ran.machine}, ${ran.date}${counts.failed ? `; ${counts.failed} failed` : ''}`
      : `${rows.length} rows, not run yet: each row is checked against a machine by the spec`;
  const status = counts.running ? 'running' : counts.failed ? 'failed' : ran ? 'passed' : 'not-run';
  return h('p.table-note', { className: [`spec-${status}`] }, [h('span.spec-status', { className: [`spec-${status}`] }, text)]);
}
