// A small pool of worker threads for cold builds of big sites: Markdown parsing and code
// tokenising spread over the CPUs. Results come back as plain data (structured clone) and
// are identical to what the main thread would compute, so output does not depend on the
// number of workers. Small jobs stay on the main thread: starting a worker costs more.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FrontMatter } from '../markdown/parse.ts';
import type { TokenLines } from './highlight.ts';
import type { Root } from 'mdast';

export type WorkerRequest =
  | { id: number; type: 'parse'; items: Array<{ file: string; source: string }> }
  | { id: number; type: 'tokenize'; items: Array<{ code: string; lang: string }> };

export type ParseResult = { ok: true; frontMatter: FrontMatter; bodyLine: number; tree: Root } | { ok: false; line: number; message: string };

export type WorkerReply =
  | { id: number; type: 'parse'; results: ParseResult[] }
  | { id: number; type: 'tokenize'; results: TokenLines[] };

/** Workers a build uses when none are asked for: one per CPU, at most 4. */
export function defaultWorkerCount(): number {
  return Math.min(4, availableParallelism());
}

export class WorkerPool {
  private readonly workers: Worker[];
  private next = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      // The worker is TypeScript too: its entry registers tsx in the worker's thread first.
      const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      worker.on('message', (reply: WorkerReply) => {
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        p?.resolve(reply);
      });
      worker.on('error', (error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  private request(message: Omit<WorkerRequest, 'id'>, worker: Worker): Promise<WorkerReply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  /** Split `items` into batches over the workers; results in input order. */
  private async map<I, R>(type: WorkerRequest['type'], items: I[], batch: number): Promise<R[]> {
    const queues: Array<Promise<R[]>> = [];
    const chunks: I[][] = [];
    for (let i = 0; i < items.length; i += batch) chunks.push(items.slice(i, i + batch));
    let taken = 0;
    const results: R[][] = new Array(chunks.length);
    for (const worker of this.workers) {
      queues.push((async () => {
        while (taken < chunks.length) {
          const index = taken++;
          const reply = await this.request({ type, items: chunks[index] } as Omit<WorkerRequest, 'id'>, worker);
          results[index] = reply.results as R[];
        }
        return [];
      })());
    }
    await Promise.all(queues);
    return results.flat();
  }

  parse(items: Array<{ file: string; source: string }>): Promise<ParseResult[]> {
    return this.map('parse', items, 25);
  }

  tokenize(items: Array<{ code: string; lang: string }>): Promise<TokenLines[]> {
    return this.map('tokenize', items, 100);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
