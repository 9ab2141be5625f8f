// The site's search index: Pagefind reads the pages a build has written (only what is inside
// `data-pagefind-body`, so the 404 page and the chrome around an article stay out) and
// writes its bundle to pagefind/ beside them. The bundle is a pure function of those pages,
// so it is kept in the build cache under a key made of the pages' own cache keys: a build
// whose pages are all unchanged links the bundle's files in and never starts Pagefind.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as pagefind from 'pagefind';
import type { BuildCache } from './cache.ts';
import { holdsExactly } from './dist-reuse.ts';

/** Where the bundle goes, relative to dist/. */
export const SEARCH_DIR = 'pagefind';
/** The bundle's script, which site.js loads (the search box names it). */
export const SEARCH_SCRIPT = `/${SEARCH_DIR}/pagefind.js`;

/**
 * Parts of an article that are not prose a reader searches for: heading anchors ("#"), the
 * status line of a code block ("passed on vm, 2026-...") and the copy button, the note
 * under the contract table. Transcripts themselves are indexed as text.
 */
const EXCLUDED = ['.anchor', '.code-head', '.table-note'];

/** Pagefind's ready-made UIs and highlighter: the site has its own search box (site.js). */
const UNUSED = /(^|\/)pagefind-(ui|modular-ui|component-ui|highlight)\.(js|css)$/;

/** One file of the bundle: path relative to the bundle folder, and its bytes. */
interface BundleFile {
  path: string;
  content: Uint8Array;
}

/**
 * Index the pages under `siteDir` and write the bundle to `siteDir/pagefind/`.
 * @param key names the pages' content (their cache keys, in order); equal keys, equal bundle.
 * @param previous the dist/ this build replaces: when its pagefind/ is this bundle, linked
 * from the cache, nothing is written and `reuse` names that folder (the caller moves it in).
 * @returns the bundle's files, relative to `siteDir`, whether it came from the cache, and the folder to reuse.
 */
export async function writeSearchIndex(
  siteDir: string,
  key: string,
  cache: BuildCache,
  previous: string,
): Promise<{ files: string[]; cached: boolean; reuse: string | null }> {
  const target = join(siteDir, SEARCH_DIR);
  const list = (files: Iterable<string>) => [...files].map((f) => `${SEARCH_DIR}/${f}`);
  const kept = await cache.folderFiles('search', key);
  if (kept && holdsExactly(join(previous, SEARCH_DIR), kept)) {
    cache.use('search', key);
    return { files: list(kept.keys()), cached: true, reuse: SEARCH_DIR };
  }
  const linked = await cache.linkFolder('search', key, target);
  if (linked) return { files: list(linked), cached: true, reuse: null };
  const bundle = await indexPages(siteDir);
  await cache.putFolder('search', key, bundle);
  // Linked from the cache where there is one, so the next build can reuse the folder.
  if (!(await cache.linkFolder('search', key, target))) {
    for (const d of new Set(bundle.map((f) => dirname(join(target, f.path))))) await mkdir(d, { recursive: true });
    for (let i = 0; i < bundle.length; i += 64) {
      await Promise.all(bundle.slice(i, i + 64).map((f) => writeFile(join(target, f.path), f.content)));
    }
  }
  return { files: list(bundle.map((f) => f.path)), cached: false, reuse: null };
}

/** Run Pagefind over the HTML under `siteDir`; its files sorted by path. */
async function indexPages(siteDir: string): Promise<BundleFile[]> {
  const created = await pagefind.createIndex({ excludeSelectors: EXCLUDED, forceLanguage: 'en' });
  if (!created.index) throw new Error(`pagefind: ${created.errors.join('; ')}`);
  try {
    const added = await created.index.addDirectory({ path: siteDir });
    if (added.errors.length) throw new Error(`pagefind: ${added.errors.join('; ')}`);
    const got = await created.index.getFiles();
    if (got.errors.length) throw new Error(`pagefind: ${got.errors.join('; ')}`);
    return got.files
      .filter((f) => !UNUSED.test(f.path))
      .map((f) => ({ path: f.path.replace(/^\/+/, ''), content: f.content }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } finally {
    await created.index.deleteIndex();
    await pagefind.close();
  }
}
