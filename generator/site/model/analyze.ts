// The first pass over each page's mdast, before anything is rendered: heading ids, links,
// code block languages and front matter checks. The build checks links across pages from
// these summaries, and the renderer reuses the same heading ids, so both always agree.

import GithubSlugger from 'github-slugger';
import type { Code, Definition, Heading, Image, ImageReference, Link, LinkReference, Nodes, Root, Table } from 'mdast';
import { toString as textOf } from 'mdast-util-to-string';
import type { ParsedPage } from '../../content/parse.ts';
import { knownLanguages, transcriptLanguages } from '../render/highlight.ts';
import { checkRawHtml, RawHtmlNesting, urlProblem } from '../render/raw-html.ts';
import { resolveInternalLink } from './routes.ts';

/** A problem found in a page, reported as `file:line: message`. */
export interface PageProblem {
  file: string;
  line: number;
  message: string;
}

/** A heading as the toc and link checks see it. */
export interface HeadingFact {
  id: string;
  depth: number;
  text: string;
}

export interface HeadingInfo extends HeadingFact {
  node: Heading;
}

/** A link or image as the link checks see it. */
export interface LinkFact {
  line: number;
  /** The URL as written in the page. */
  href: string;
  /** Resolved site URL and fragment, or null for external links and artifact references. */
  target: { url: string; fragment: string } | null;
}

export interface LinkInfo extends LinkFact {
  node: Link | Image;
}

/**
 * What the rest of the site needs to know of a page (nav, link and URL checks, sitemap,
 * toc): plain data without the mdast, so it crosses threads and goes in a disk cache.
 */
export interface PageFacts {
  /** The page's file as named in errors and block ids ("content/cli.md"). */
  file: string;
  /** sha256 of the page's text. */
  contentHash: string;
  /** Path relative to the content folder, posix ("cli.md"). */
  rel: string;
  url: string;
  title: string;
  description: string;
  /** Nav position, or null when the page is not in the nav. */
  order: number | null;
  /** Short label in the nav (front matter `nav`, default: the title). */
  navLabel: string;
  /** Monospace line above the title (front matter `kicker`, default: none). */
  kicker: string;
  headings: HeadingFact[];
  headingIds: Set<string>;
  links: LinkFact[];
  /** Report artifacts the page shows (`spec-artifact:` images), relative to the report dir. */
  artifacts: string[];
  /** True when the page shows spec results (console transcripts, a contract table). */
  showsResults: boolean;
  problems: PageProblem[];
}

/** Everything analyzePage() finds: the facts, and the mdast nodes the renderer needs. */
export interface PageSummary extends PageFacts {
  page: ParsedPage;
  headings: HeadingInfo[];
  links: LinkInfo[];
  /** Every fenced code block, in document order. */
  codeBlocks: Code[];
  /** Tables marked as the ownership contract (`<!-- spec: contract -->` right before them). */
  contractTables: Set<Table>;
}

/** The facts of a summary, without its mdast (what a worker thread hands back). */
export function factsOf(s: PageSummary): PageFacts {
  return {
    file: s.file,
    contentHash: s.contentHash,
    rel: s.rel,
    url: s.url,
    title: s.title,
    description: s.description,
    order: s.order,
    navLabel: s.navLabel,
    kicker: s.kicker,
    headings: s.headings.map(({ id, depth, text }) => ({ id, depth, text })),
    headingIds: s.headingIds,
    links: s.links.map(({ line, href, target }) => ({ line, href, target })),
    artifacts: s.artifacts,
    showsResults: s.showsResults,
    problems: s.problems,
  };
}

/** The spec runner's marker before the ownership table. */
export const CONTRACT_MARKER = /^<!--\s*spec:\s*contract\s*-->$/;

/** Scheme of image URLs that name a file of the spec report, e.g. `spec-artifact:glprobe/22.png`. */
export const ARTIFACT_SCHEME = 'spec-artifact:';

function lineOf(node: Nodes | undefined, fallback: number): number {
  return node?.position?.start.line ?? fallback;
}

export function analyzePage(page: ParsedPage, rel: string, url: string): PageSummary {
  const fm = page.frontMatter;
  const problems: PageProblem[] = [];
  const problem = (line: number, message: string): void => {
    // One construct split over several nodes (`<svg>` ... `</svg>` inline) is reported once.
    if (!problems.some((p) => p.line === line && p.message === message)) problems.push({ file: page.file, line, message });
  };
  const tree: Root = page.tree;

  const title = typeof fm.title === 'string' ? fm.title.trim() : '';
  if (!title) problem(1, 'page has no title (add `title:` to the front matter)');
  const description = typeof fm.description === 'string' ? fm.description.trim() : '';
  const order = typeof fm.order === 'number' ? fm.order : null;
  const navLabel = typeof fm.nav === 'string' ? fm.nav : title;
  const kicker = typeof fm.kicker === 'string' ? fm.kicker : '';

  const slugger = new GithubSlugger();
  const headings: HeadingInfo[] = [];
  const headingIds = new Set<string>();
  const links: LinkInfo[] = [];
  const codeBlocks: Code[] = [];
  const contractTables = new Set<Table>();
  const artifacts: string[] = [];
  const definitions = new Map<string, Definition>();
  const references: Array<LinkReference | ImageReference> = [];
  const rawNesting = new RawHtmlNesting();

  walk(tree, (node) => {
    if ('children' in node) {
      node.children.forEach((child, i) => {
        const next = node.children[i + 1];
        if (child.type === 'html' && CONTRACT_MARKER.test(child.value) && next?.type === 'table') contractTables.add(next);
      });
    }
    if (node.type === 'heading') {
      // Raw HTML in a heading (`## A <b>bold</b> word`) is markup, not text: GitHub leaves it
      // out of the slug, and so do the id and the toc.
      const text = textOf(node, { includeHtml: false });
      const id = slugger.slug(text);
      headings.push({ node, id, depth: node.depth, text });
      headingIds.add(id);
      if (node.depth === 1) problem(lineOf(node, 1), 'use ## and below: the layout renders the title as the page heading');
    } else if (node.type === 'link' || node.type === 'image') {
      const href = node.url;
      const artifact = node.type === 'image' && href.startsWith(ARTIFACT_SCHEME);
      if (artifact) artifacts.push(href.slice(ARTIFACT_SCHEME.length));
      const target = href.startsWith(ARTIFACT_SCHEME) ? null : resolveInternalLink(rel, href);
      links.push({ node, line: lineOf(node, 1), href, target });
      const bad = artifact ? null : urlProblem(href, node.type);
      if (bad) problem(lineOf(node, 1), bad);
    } else if (node.type === 'definition') {
      if (!definitions.has(node.identifier)) definitions.set(node.identifier, node);
    } else if (node.type === 'linkReference' || node.type === 'imageReference') {
      references.push(node);
    } else if (node.type === 'html') {
      checkRawHtml(node, problem);
      rawNesting.add(node, problem);
    } else if (node.type === 'code') {
      codeBlocks.push(node);
      checkCodeLanguage(node, problem);
    }
  });

  // A reference link is checked where it is used: an unused definition renders nothing, and
  // one definition may serve a link (mailto allowed) and an image (not).
  for (const ref of references) {
    const def = definitions.get(ref.identifier);
    const bad = def ? urlProblem(def.url, ref.type === 'imageReference' ? 'image' : 'link') : null;
    if (bad) problem(lineOf(ref, 1), bad);
  }
  problems.sort((a, b) => a.line - b.line);

  const showsResults = contractTables.size > 0 || codeBlocks.some((c) => transcriptLanguages.has(c.lang ?? ''));
  return {
    page,
    file: page.file,
    contentHash: page.contentHash,
    rel,
    url,
    title,
    description,
    order,
    navLabel,
    kicker,
    headings,
    headingIds,
    links,
    artifacts,
    showsResults,
    codeBlocks,
    contractTables,
    problems,
  };
}

/** Every node in document order (a plain recursive walk: this runs on every page of a build). */
function walk(node: Nodes, fn: (node: Nodes) => void): void {
  fn(node);
  if ('children' in node) for (const child of node.children) walk(child, fn);
}

function checkCodeLanguage(node: Code, problem: (line: number, message: string) => void): void {
  if (node.lang && !knownLanguages.has(node.lang)) {
    problem(lineOf(node, 1), `code block in unknown language "${node.lang}" (known: ${[...knownLanguages].sort().join(', ')})`);
  }
}
