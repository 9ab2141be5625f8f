// The first pass over each page's mdast, before anything is rendered: heading ids, links,
// code block languages and front matter checks. The build checks links across pages from
// these summaries, and the renderer reuses the same heading ids, so both always agree.

import GithubSlugger from 'github-slugger';
import type { Code, Heading, Image, Link, Nodes, Root, Table } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { ParsedPage } from '../markdown/parse.ts';
import { knownLanguages } from './highlight.ts';
import { resolveInternalLink } from './routes.ts';

/** A problem found in a page, reported as `file:line: message`. */
export interface PageProblem {
  file: string;
  line: number;
  message: string;
}

export interface HeadingInfo {
  node: Heading;
  id: string;
  depth: number;
  text: string;
}

export interface LinkInfo {
  node: Link | Image;
  line: number;
  /** Resolved site URL and fragment, or null for external links and artifact references. */
  target: { url: string; fragment: string } | null;
}

export interface PageSummary {
  page: ParsedPage;
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
  headings: HeadingInfo[];
  headingIds: Set<string>;
  links: LinkInfo[];
  /** Every fenced code block, in document order. */
  codeBlocks: Code[];
  /** Tables marked as the ownership contract (`<!-- spec: contract -->` right before them). */
  contractTables: Set<Table>;
  problems: PageProblem[];
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
  const problem = (line: number, message: string) => problems.push({ file: page.file, line, message });
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

  walk(tree, (node) => {
    if ('children' in node) {
      node.children.forEach((child, i) => {
        const next = node.children[i + 1];
        if (child.type === 'html' && CONTRACT_MARKER.test(child.value) && next?.type === 'table') contractTables.add(next);
      });
    }
    if (node.type === 'heading') {
      const text = toString(node);
      const id = slugger.slug(text);
      headings.push({ node, id, depth: node.depth, text });
      headingIds.add(id);
      if (node.depth === 1) problem(lineOf(node, 1), 'use ## and below: the layout renders the title as the page heading');
    } else if (node.type === 'link' || node.type === 'image') {
      const href = node.url;
      const target = href.startsWith(ARTIFACT_SCHEME) ? null : resolveInternalLink(rel, href);
      links.push({ node, line: lineOf(node, 1), target });
    } else if (node.type === 'code') {
      codeBlocks.push(node);
      checkCodeLanguage(node, problem);
    }
  });

  return { page, rel, url, title, description, order, navLabel, kicker, headings, headingIds, links, codeBlocks, contractTables, problems };
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
