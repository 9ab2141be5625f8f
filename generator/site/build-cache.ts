// What a build keeps between runs, so a build of unchanged pages neither parses nor renders:
//   - each page's facts (facts.v8), keyed by its text, file and content path;
//   - each page's HTML (pages/<key>.html), keyed by everything that shapes it: the
//     generator's own code and dependencies, the site's facts (config, nav, assets), the
//     page's text, its last-updated date and the spec results it shows.
// A key is a hash of those inputs, so a stale entry is never served: it is just not found.
// Entries this build did not use are dropped when it saves.

import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { PageFacts } from './analyze.ts';

const require = createRequire(import.meta.url);

/** Packages whose versions shape a page's facts or HTML. */
const SHAPING_PACKAGES = [
  'unified', 'remark-parse', 'remark-gfm', 'remark-frontmatter', 'remark-rehype', 'rehype-stringify', 'micromark',
  'mdast-util-from-markdown', 'mdast-util-to-hast', 'hast-util-to-html', 'hastscript', 'github-slugger', 'yaml', 'shiki',
  'hast-util-raw', 'hast-util-sanitize', 'hast-util-from-html', 'parse5', 'property-information',
];

let version: Promise<string> | null = null;

/** A hash of the generator's own source (markdown/ and site/, assets included) and the versions of what it uses. */
export function generatorVersion(): Promise<string> {
  return (version ??= (async () => {
    const hash = createHash('sha256');
    for (const pkg of SHAPING_PACKAGES) {
      let v = '?';
      try {
        v = (require(`${pkg}/package.json`) as { version: string }).version;
      } catch { /* not exported: its dependents' versions cover it */ }
      hash.update(`${pkg}@${v}\n`);
    }
    for (const dir of ['../markdown/', './', './assets/']) {
      const abs = fileURLToPath(new URL(dir, import.meta.url));
      const names = (await readdir(abs, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
      for (const name of names) hash.update(`${dir}${name}\n`).update(await readFile(join(abs, name)));
    }
    return hash.digest('hex');
  })());
}

export function hashOf(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('base64url');
}

export class BuildCache {
  private readonly usedFacts = new Map<string, PageFacts>();
  private readonly usedPages = new Set<string>();
  private factsChanged = false;

  private constructor(private readonly dir: string | null, private readonly version: string, private readonly facts: Map<string, PageFacts>) {}

  /** Open the cache in `dir` (null: nothing kept between builds). */
  static async open(dir: string | null): Promise<BuildCache> {
    const version = await generatorVersion();
    let facts = new Map<string, PageFacts>();
    if (dir) {
      try {
        const data = deserialize(await readFile(join(dir, 'facts.v8'))) as { version: string; facts: Map<string, PageFacts> };
        if (data.version === version) facts = data.facts;
      } catch {
        // No cache yet, or an unreadable one: start empty.
      }
    }
    return new BuildCache(dir, version, facts);
  }

  /** Key of a page's facts. */
  factsKey(file: string, rel: string, contentHash: string): string {
    return hashOf(this.version, file, rel, contentHash);
  }

  getFacts(key: string): PageFacts | undefined {
    const hit = this.facts.get(key);
    if (hit) this.usedFacts.set(key, hit);
    return hit;
  }

  putFacts(key: string, facts: PageFacts): void {
    this.facts.set(key, facts);
    this.usedFacts.set(key, facts);
    this.factsChanged = true;
  }

  /** Key of a page's HTML; `inputs` are everything besides the generator that shapes it. */
  pageKey(...inputs: string[]): string {
    return hashOf(this.version, ...inputs);
  }

  private pagePath(key: string): string {
    return join(this.dir!, 'pages', `${key}.html`);
  }

  /** Copy the cached HTML of `key` to `target`; false when there is none. */
  async copyPage(key: string, target: string): Promise<boolean> {
    if (!this.dir) return false;
    try {
      await copyFile(this.pagePath(key), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    this.usedPages.add(key);
    return true;
  }

  async putPage(key: string, html: string): Promise<void> {
    if (!this.dir) return;
    await mkdir(join(this.dir, 'pages'), { recursive: true });
    const tmp = `${this.pagePath(key)}.${process.pid}.tmp`;
    await writeFile(tmp, html);
    await rename(tmp, this.pagePath(key));
    this.usedPages.add(key);
  }

  /** Keep what this build used, drop the rest. */
  async save(): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    if (this.factsChanged || this.usedFacts.size !== this.facts.size) {
      const tmp = join(this.dir, `facts.v8.${process.pid}.tmp`);
      await writeFile(tmp, serialize({ version: this.version, facts: this.usedFacts }));
      await rename(tmp, join(this.dir, 'facts.v8'));
    }
    let names: string[] = [];
    try {
      names = await readdir(join(this.dir, 'pages'));
    } catch { /* no pages kept */ }
    const stale = names.filter((n) => n.endsWith('.html') && !this.usedPages.has(n.slice(0, -'.html'.length)));
    for (let i = 0; i < stale.length; i += 64) await Promise.all(stale.slice(i, i + 64).map((n) => unlink(join(this.dir!, 'pages', n)).catch(() => {})));
  }
}
