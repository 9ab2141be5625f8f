// A disk cache of parse results keyed by the content hash, so the dev server starts on
// unchanged pages without micromark (the slowest step of loading a page); a build keeps
// facts and HTML instead (generator/site/build/cache.ts). A cached page is the same
// ParsedPage parseMarkdown() would return: same front matter, same mdast with the same
// positions. The key also covers the parser's own version, so an upgrade of remark or of
// parse.ts invalidates it.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readCacheFile, writeCacheFile } from '../cache-file.ts';
import { parseMarkdown, type ParsedPage } from './parse.ts';

type Entry = Pick<ParsedPage, 'frontMatter' | 'bodyLine' | 'tree'>;

const require = createRequire(import.meta.url);

/** Versions of everything that shapes the mdast, and parse.ts itself. */
async function parserVersion(): Promise<string> {
  const hash = createHash('sha256');
  for (const pkg of ['remark-parse', 'remark-gfm', 'remark-frontmatter', 'micromark', 'mdast-util-from-markdown', 'yaml']) {
    try {
      hash.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}\n`);
    } catch {
      hash.update(`${pkg}@?\n`);
    }
  }
  hash.update(await readFile(fileURLToPath(new URL('./parse.ts', import.meta.url))));
  return hash.digest('hex');
}

export class ParseCache {
  private readonly used = new Map<string, Entry>();
  private dirty = false;
  /** Pages parsed now / taken from the cache. */
  readonly stats = { parsed: 0, cached: 0 };

  private constructor(
    private readonly file: string | null,
    private readonly version: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Open the cache file (missing or unreadable: start empty); null: a cache in memory only. */
  static async open(file: string | null): Promise<ParseCache> {
    const version = await parserVersion();
    const entries = (file && (await readCacheFile<Map<string, Entry>>(file, version, 'v8'))) || new Map<string, Entry>();
    return new ParseCache(file, version, entries);
  }

  /** parseMarkdown(file, source), from the cache when this exact source was parsed before. */
  parse(file: string, source: string): ParsedPage {
    const contentHash = createHash('sha256').update(source).digest('hex');
    const hit = this.entries.get(contentHash);
    if (hit) {
      this.stats.cached++;
      this.used.set(contentHash, hit);
      return { file, source, contentHash, frontMatter: hit.frontMatter, bodyLine: hit.bodyLine, tree: hit.tree };
    }
    const page = parseMarkdown(file, source);
    this.stats.parsed++;
    this.used.set(contentHash, { frontMatter: page.frontMatter, bodyLine: page.bodyLine, tree: page.tree });
    this.dirty = true;
    return page;
  }

  /** Mark a page parsed earlier in this process as used, so save() keeps its entry. */
  keep(page: ParsedPage): void {
    this.used.set(page.contentHash, { frontMatter: page.frontMatter, bodyLine: page.bodyLine, tree: page.tree });
    if (!this.entries.has(page.contentHash)) {
      this.entries.set(page.contentHash, this.used.get(page.contentHash)!);
      this.dirty = true;
    }
  }

  /** Write the entries this run used (so the file does not grow without bound). */
  async save(): Promise<void> {
    if (!this.file || (!this.dirty && this.used.size === this.entries.size)) return;
    await writeCacheFile(this.file, this.version, this.used, 'v8');
  }
}
