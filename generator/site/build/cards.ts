// Social cards in a build: each page's card from the cache or drawn now by the page owners,
// hard-linked from the cache into og/, or the old dist/'s og/ taken over whole when it
// already holds exactly these cards (dist-reuse.ts).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PageFacts } from '../model/analyze.ts';
import type { SiteConfig } from '../model/config.ts';
import { CARD_DIR, cardFileForUrl } from '../render/social-card.ts';
import type { BuildCache } from './cache.ts';
import { holdsExactly } from './dist-reuse.ts';
import { forEachShare, type PageOwner } from './worker-pool.ts';

/** What a social card shows, for a content page (its facts) or a generated one. */
export type CardSubject = Pick<PageFacts, 'url' | 'title' | 'kicker' | 'description'>;

/**
 * Each page's social card, from the cache (keyed by what it shows and the generator, whose
 * version covers the card's template and renderer) or drawn now by the page owners, and
 * hard-linked from the cache into og/. When the og/ of `previous` (the dist/ this build
 * replaces) holds exactly these cards, nothing is written and `reuse` names that folder.
 */
export async function writeCards(
  staging: string,
  previous: string,
  pages: CardSubject[],
  config: SiteConfig,
  logo: string,
  cache: BuildCache,
  ownersFor: (n: number) => PageOwner[],
): Promise<{ files: string[]; rendered: number; reuse: string | null }> {
  const files = pages.map((f) => cardFileForUrl(f.url));
  const host = new URL(config.origin).host;
  const texts = pages.map((f) => ({ title: f.title, kicker: f.kicker, description: f.description, siteName: config.name, host }));
  const keys = texts.map((text) => cache.pageKey('card', JSON.stringify(text), logo));
  const cached = new Map(files.map((f, i) => [f.slice(CARD_DIR.length + 1), cache.entryFile('cards', keys[i]!)!]));
  if (cache.enabled && holdsExactly(join(previous, CARD_DIR), cached)) {
    for (const key of keys) cache.use('cards', key);
    return { files, rendered: 0, reuse: CARD_DIR };
  }
  for (const d of new Set(files.map((f) => dirname(join(staging, f))))) await mkdir(d, { recursive: true });
  const toDraw: number[] = [];
  for (let k = 0; k < pages.length; k += 64) {
    await Promise.all(
      pages.slice(k, k + 64).map(async (_, j) => {
        if (!(await cache.linkEntry('cards', keys[k + j]!, join(staging, files[k + j]!)))) toDraw.push(k + j);
      }),
    );
  }
  toDraw.sort((a, b) => a - b);
  await forEachShare(
    ownersFor(toDraw.length),
    toDraw,
    20,
    (owner, share) => owner.cards(share.map((i) => ({ text: texts[i]!, logo }))),
    async (share, pngs) => {
      await Promise.all(
        share.map(async (i, k) => {
          await cache.putEntry('cards', keys[i]!, pngs[k]!);
          // Linked from the cache where there is one, so the next build can reuse og/ whole.
          if (!(await cache.linkEntry('cards', keys[i]!, join(staging, files[i]!)))) await writeFile(join(staging, files[i]!), pngs[k]!);
        }),
      );
    },
  );
  return { files, rendered: toDraw.length, reuse: null };
}
