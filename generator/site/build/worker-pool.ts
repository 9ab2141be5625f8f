// Where a build's pages are parsed and rendered: on the main thread for small builds, or
// spread over worker threads for big ones. Each page has one owner for the whole build
// (page i goes to owner i mod n), so the tree parsed for its facts is the one rendered, in
// the same thread. Results come back as plain data and are identical whatever the owner,
// so output does not depend on the number of workers.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedPage } from '../../content/parse.ts';
import { PageStore, type BodyContext, type HighlightStats, type LoadResult, type PageItem, type RenderResult, type SiteContext } from './page-store.ts';
import { renderCard, type CardText } from '../render/social-card.ts';

/** A social card to draw: its text and the logo SVG. */
export interface CardItem {
  text: CardText;
  logo: string;
}

export type WorkerRequest =
  | { id: number; type: 'load'; context: BodyContext; items: PageItem[] }
  | { id: number; type: 'render'; context: BodyContext; site: SiteContext; items: PageItem[] }
  | { id: number; type: 'cards'; cards: CardItem[] };

/** What load() gives back: facts (or the problem), tokenised blocks, pages parsed now. */
export interface LoadReply {
  results: LoadResult[];
  highlighted: HighlightStats;
  parsed: number;
}

export type WorkerReply =
  | ({ id: number; type: 'load' } & LoadReply)
  | ({ id: number; type: 'render' } & RenderResult)
  | { id: number; type: 'cards'; pngs: Uint8Array[] }
  | { id: number; type: 'error'; message: string };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Workers a build uses when none are asked for: one per CPU, at most 4. */
export function defaultWorkerCount(): number {
  return Math.min(4, availableParallelism());
}

/** One thread's share of the pages. */
export interface PageOwner {
  /** Parse, analyse and render the content of pages (see PageStore.load). */
  load(context: BodyContext, items: PageItem[]): Promise<LoadReply>;
  /** Complete documents (see PageStore.documents). */
  render(context: BodyContext, site: SiteContext, items: PageItem[]): Promise<RenderResult>;
  /** Social cards as PNG, in order. */
  cards(cards: CardItem[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** Draw social cards in this thread. */
export function drawCards(cards: CardItem[]): Uint8Array[] {
  return cards.map((c) => renderCard(c.text, c.logo));
}

/** The main thread as an owner. */
export class LocalOwner implements PageOwner {
  readonly store: PageStore;

  /** @param given pages the caller already parsed, by absolute path (default: none). */
  constructor(given?: ReadonlyMap<string, ParsedPage>) {
    this.store = new PageStore(given);
  }

  load(context: BodyContext, items: PageItem[]): Promise<LoadReply> {
    return loadIn(this.store, context, items);
  }

  render(context: BodyContext, site: SiteContext, items: PageItem[]): Promise<RenderResult> {
    return this.store.documents(context, site, items);
  }

  async cards(cards: CardItem[]): Promise<Uint8Array[]> {
    return drawCards(cards);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** store.load() with the count of pages it parsed. */
export async function loadIn(store: PageStore, context: BodyContext, items: PageItem[]): Promise<LoadReply> {
  const before = store.parsed;
  const { results, highlighted } = await store.load(context, items);
  return { results, highlighted, parsed: store.parsed - before };
}

/** A worker thread as an owner. */
export class WorkerOwner implements PageOwner {
  private readonly worker: Worker;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  constructor() {
    // The worker is TypeScript too: its entry registers tsx in the worker's thread first.
    // A young generation bigger than V8's default: parsing a page makes many objects that
    // live until the page is rendered; with the default they are copied and promoted over
    // and over (a third of a worker's time in GC), with 64 MB they mostly die young.
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'error') p?.reject(new Error(reply.message));
      else p?.resolve(reply);
    });
    this.worker.on('error', (error) => {
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  private request<T extends WorkerReply>(message: WithoutId<WorkerRequest>): Promise<T> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerReply) => void, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async load(context: BodyContext, items: PageItem[]): Promise<LoadReply> {
    const { results, highlighted, parsed } = await this.request<Extract<WorkerReply, { type: 'load' }>>({ type: 'load', context, items });
    return { results, highlighted, parsed };
  }

  async render(context: BodyContext, site: SiteContext, items: PageItem[]): Promise<RenderResult> {
    const { html, highlighted, parsed } = await this.request<Extract<WorkerReply, { type: 'render' }>>({ type: 'render', context, site, items });
    return { html, highlighted, parsed };
  }

  async cards(cards: CardItem[]): Promise<Uint8Array[]> {
    return (await this.request<Extract<WorkerReply, { type: 'cards' }>>({ type: 'cards', cards })).pngs;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Run `work` on every owner's share of `indices` (index i belongs to owner i mod n), in
 * batches so results stream back while the owners keep working: two batches in flight per
 * owner, so a worker never waits for the main thread to take its last answer. `onBatch`
 * gets each batch's indices with its result, in the order batches finish.
 */
export async function forEachShare<R>(
  owners: PageOwner[],
  indices: number[],
  batch: number,
  work: (owner: PageOwner, share: number[]) => Promise<R>,
  onBatch: (share: number[], result: R) => void | Promise<void>,
): Promise<void> {
  const shares: number[][] = owners.map(() => []);
  for (const i of indices) shares[i % owners.length]!.push(i);
  await Promise.all(
    owners.flatMap((owner, o) => {
      const parts: number[][] = [];
      for (let k = 0; k < shares[o]!.length; k += batch) parts.push(shares[o]!.slice(k, k + batch));
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < parts.length) {
          const part = parts[next++]!;
          await onBatch(part, await work(owner, part));
        }
      };
      return [lane(), lane()];
    }),
  );
}
