// The one Markdown parse shared by the site and the spec runner: text to front matter and
// an mdast with positions into the original file, front matter included. load.ts reads the
// files and hands the same ParsedPage objects to both, so what a reader sees is what was tested.

import { createHash } from 'node:crypto';
import type { Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { parse as parseYaml } from 'yaml';

/** Front matter every page may carry. */
export interface FrontMatter {
  title?: string;
  description?: string;
  /** Position in the navigation, ascending (default: none, the page is not in the nav). */
  order?: number;
  [key: string]: unknown;
}

export interface ParsedPage {
  /** Path as given, e.g. "content/cli.md"; used in every error message. */
  file: string;
  /** The file's text exactly as read. */
  source: string;
  /** sha256 of the source, hex: the content hash that reports and publishing compare. */
  contentHash: string;
  frontMatter: FrontMatter;
  /** Line (1-based) where the body starts after the front matter. */
  bodyLine: number;
  /** The mdast, positions into `source`. Treat as read-only: it is shared. */
  tree: Root;
}

/** A mistake in a content file, reported as `file:line: message`. */
export class ContentError extends Error {
  override name = 'ContentError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml']).use(remarkGfm);

/** Parse Markdown text that came from `file`. */
export function parseMarkdown(file: string, source: string): ParsedPage {
  let tree: Root;
  try {
    tree = processor.parse(source) as Root;
  } catch (error) {
    // The parser recurses into containers: quotes or lists nested thousands deep overflow
    // the stack. Where the nesting starts is not known by then; the page is.
    if (error instanceof RangeError)
      throw new ContentError(file, 1, 'the page nests too deeply to parse (block quotes or lists inside each other thousands of times)');
    throw error;
  }
  let frontMatter: FrontMatter = {};
  let bodyLine = 1;
  const first = tree.children[0];
  if (first && first.type === 'yaml') {
    try {
      const data: unknown = parseYaml(first.value);
      if (data !== null && data !== undefined) {
        if (typeof data !== 'object' || Array.isArray(data)) {
          throw new Error('front matter must be a mapping');
        }
        frontMatter = data as FrontMatter;
      }
    } catch (error) {
      throw new ContentError(file, first.position?.start.line ?? 1, `bad front matter: ${(error as Error).message.split('\n')[0]}`);
    }
    bodyLine = (first.position?.end.line ?? 0) + 1;
  }
  const contentHash = createHash('sha256').update(source).digest('hex');
  return { file, source, contentHash, frontMatter, bodyLine, tree };
}
