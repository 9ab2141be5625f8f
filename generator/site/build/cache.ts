// What a build keeps between runs, so a build of unchanged pages neither parses nor renders:
//   - each page's facts (facts.v8), keyed by its text, file and content path;
//   - each page's HTML (pages/<key>.html), keyed by everything that shapes it: the
//     generator's own code and dependencies, the site's facts (config, nav, assets), the
//     page's text, its last-updated date and the spec results it shows;
//   - each page's social card (cards/<key>.png), keyed by what it shows;
//   - the search index (search/<key>/, a folder), keyed by the keys of every page it indexes.
// Cards and search files are hard-linked into the new dist/ (a copy where links cannot be
// made): a warm build then costs one link per file instead of writing it again. Those cache
// files are read-only, so a write into dist/ cannot change what the cache serves.
// A key is a hash of those inputs, so a stale entry is never served: it is just not found.
// Entries this build did not use are dropped when it saves.

import { createHash } from 'node:crypto';
import { chmod, copyFile, link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCacheFile, writeCacheFile } from '../../cache-file.ts';
import type { PageFacts } from '../model/analyze.ts';

const require = createRequire(import.meta.url);

/** Packages whose versions shape a page's facts or HTML. */
const SHAPING_PACKAGES = [
  'unified',
  'remark-parse',
  'remark-gfm',
  'remark-frontmatter',
  'remark-rehype',
  'rehype-stringify',
  'micromark',
  'mdast-util-from-markdown',
  'mdast-util-to-hast',
  'hast-util-to-html',
  'hastscript',
  'github-slugger',
  'yaml',
  'shiki',
  'hast-util-raw',
  'hast-util-sanitize',
  'hast-util-from-html',
  'parse5',
  'property-information',
  'pagefind',
  '@resvg/resvg-js',
];

/** What the cache keeps besides facts: a folder each, of files with an extension ('' for folders). */
export type EntryKind = 'pages' | 'cards' | 'search';
const EXTENSIONS: Record<EntryKind, string> = { pages: 'html', cards: 'png', search: '' };

let version: Promise<string> | null = null;

/** A hash of the generator's own source (content/ and site/, assets included) and the versions of what it uses. */
export function generatorVersion(): Promise<string> {
  version ??= (async () => {
    const hash = createHash('sha256');
    for (const pkg of SHAPING_PACKAGES) {
      let v = '?';
      try {
        v = (require(`${pkg}/package.json`) as { version: string }).version;
      } catch {
        /* not exported: its dependents' versions cover it */
      }
      hash.update(`${pkg}@${v}\n`);
    }
    for (const dir of ['../../content/', '../']) {
      const abs = fileURLToPath(new URL(dir, import.meta.url));
      const names = (await readdir(abs, { withFileTypes: true, recursive: true }))
        .filter((e) => e.isFile())
        .map((e) => relative(abs, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort();
      for (const name of names) hash.update(`${dir}${name}\n`).update(await readFile(join(abs, name)));
    }
    return hash.digest('hex');
  })();
  return version;
}

/** The list of files kept in a folder entry. */
const FOLDER_LIST = '.files.json';

/** Hard-link `source` to `target`, or copy it where a link cannot be made; false when `source` does not exist. */
async function linkOrCopy(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
  }
  await copyFile(source, target);
  return true;
}

export function hashOf(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('base64url');
}

export class BuildCache {
  private readonly usedFacts = new Map<string, PageFacts>();
  private readonly used: Record<EntryKind, Set<string>> = { pages: new Set(), cards: new Set(), search: new Set() };
  private factsChanged = false;

  private constructor(
    private readonly dir: string | null,
    private readonly version: string,
    private readonly facts: Map<string, PageFacts>,
  ) {}

  /** Open the cache in `dir` (null: nothing kept between builds). */
  static async open(dir: string | null): Promise<BuildCache> {
    const version = await generatorVersion();
    const facts = (dir && (await readCacheFile<Map<string, PageFacts>>(join(dir, 'facts.v8'), version, 'v8'))) || new Map<string, PageFacts>();
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

  private entryPath(kind: EntryKind, key: string): string {
    return join(this.dir!, kind, EXTENSIONS[kind] ? `${key}.${EXTENSIONS[kind]}` : key);
  }

  /** Copy the cached HTML of `key` to `target`; false when there is none. */
  copyPage(key: string, target: string): Promise<boolean> {
    return this.copyEntry('pages', key, target);
  }

  putPage(key: string, html: string): Promise<void> {
    return this.putEntry('pages', key, html);
  }

  /** Copy the cached entry `key` of `kind` to `target`; false when there is none. */
  async copyEntry(kind: EntryKind, key: string, target: string): Promise<boolean> {
    if (!this.dir) return false;
    try {
      await copyFile(this.entryPath(kind, key), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    this.used[kind].add(key);
    return true;
  }

  /** Whether anything is kept between builds. */
  get enabled(): boolean {
    return this.dir !== null;
  }

  /** The file of the cached entry `key` of `kind` (whether or not it exists), or null without a cache. */
  entryFile(kind: EntryKind, key: string): string | null {
    return this.dir ? this.entryPath(kind, key) : null;
  }

  /** Count `key` of `kind` as used by this build (kept when it saves). */
  use(kind: EntryKind, key: string): void {
    this.used[kind].add(key);
  }

  /** The files of the cached folder `key` of `kind` (relative path -> file), or null when there is none. */
  async folderFiles(kind: EntryKind, key: string): Promise<Map<string, string> | null> {
    if (!this.dir) return null;
    try {
      const files = JSON.parse(await readFile(join(this.entryPath(kind, key), FOLDER_LIST), 'utf8')) as string[];
      return new Map(files.map((f) => [f, join(this.entryPath(kind, key), f)]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Hard-link the cached entry `key` of `kind` to `target` (a copy across filesystems); false when there is none. */
  async linkEntry(kind: EntryKind, key: string, target: string): Promise<boolean> {
    if (!this.dir) return false;
    if (!(await linkOrCopy(this.entryPath(kind, key), target))) return false;
    this.used[kind].add(key);
    return true;
  }

  /**
   * Hard-link every file of the cached folder `key` of `kind` under `targetDir`; returns their
   * paths (relative, in the order they were stored), or null when there is no such entry.
   */
  async linkFolder(kind: EntryKind, key: string, targetDir: string): Promise<string[] | null> {
    if (!this.dir) return null;
    let files: string[];
    try {
      files = JSON.parse(await readFile(join(this.entryPath(kind, key), FOLDER_LIST), 'utf8')) as string[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    for (const d of new Set(files.map((f) => dirname(join(targetDir, f))))) await mkdir(d, { recursive: true });
    for (let i = 0; i < files.length; i += 64) {
      await Promise.all(
        files.slice(i, i + 64).map(async (f) => {
          if (!(await linkOrCopy(join(this.entryPath(kind, key), f), join(targetDir, f)))) throw new Error(`build cache: ${kind}/${key} lacks ${f}`);
        }),
      );
    }
    this.used[kind].add(key);
    return files;
  }

  /** Keep `files` (relative path -> bytes) as the folder `key` of `kind`, written whole or not at all. */
  async putFolder(kind: EntryKind, key: string, files: Array<{ path: string; content: Uint8Array }>): Promise<void> {
    if (!this.dir) return;
    const tmp = `${this.entryPath(kind, key)}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    for (const d of new Set(files.map((f) => dirname(join(tmp, f.path))))) await mkdir(d, { recursive: true });
    for (const f of files) {
      await writeFile(join(tmp, f.path), f.content);
      await chmod(join(tmp, f.path), 0o444);
    }
    await writeFile(join(tmp, FOLDER_LIST), JSON.stringify(files.map((f) => f.path)));
    await rm(this.entryPath(kind, key), { recursive: true, force: true });
    await rename(tmp, this.entryPath(kind, key));
    this.used[kind].add(key);
  }

  async putEntry(kind: EntryKind, key: string, data: string | Uint8Array): Promise<void> {
    if (!this.dir) return;
    await mkdir(join(this.dir, kind), { recursive: true });
    const tmp = `${this.entryPath(kind, key)}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    // Linked into dist/ (cards): read-only, so nothing written there can change the cache.
    if (kind !== 'pages') await chmod(tmp, 0o444);
    await rename(tmp, this.entryPath(kind, key));
    this.used[kind].add(key);
  }

  /** Keep what this build used, drop the rest. */
  async save(): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    if (this.factsChanged || this.usedFacts.size !== this.facts.size) {
      await writeCacheFile(join(this.dir, 'facts.v8'), this.version, this.usedFacts, 'v8');
    }
    for (const kind of Object.keys(EXTENSIONS) as EntryKind[]) {
      let names: string[] = [];
      try {
        names = await readdir(join(this.dir, kind));
      } catch {
        /* none kept */
      }
      const ext = EXTENSIONS[kind] ? `.${EXTENSIONS[kind]}` : '';
      const stale = names.filter((n) => (ext ? n.endsWith(ext) : !n.includes('.')) && !this.used[kind].has(ext ? n.slice(0, -ext.length) : n));
      const remove = (n: string) => (ext ? unlink(join(this.dir!, kind, n)) : rm(join(this.dir!, kind, n), { recursive: true, force: true }));
      for (let i = 0; i < stale.length; i += 64) await Promise.all(stale.slice(i, i + 64).map((n) => remove(n).catch(() => {})));
    }
  }
}
