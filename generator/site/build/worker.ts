// Worker thread of a big build: owns its share of the pages (see worker-pool.ts), parses,
// analyses and renders their content, hands their facts to the main thread, then puts the
// documents around them with the nav the main thread assembled from every page's facts;
// and draws social cards.

import { parentPort } from 'node:worker_threads';
import { PageStore } from './page-store.ts';
import { drawCards, loadIn, type WorkerReply, type WorkerRequest } from './worker-pool.ts';

const store = new PageStore();

parentPort?.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    if (request.type === 'cards') reply = { id: request.id, type: 'cards', pngs: drawCards(request.cards) };
    else {
      // The highlighter's disk cache belongs to the main thread: workers would race on it.
      const context = { ...request.context, highlightCache: null };
      if (request.type === 'load') reply = { id: request.id, type: 'load', ...(await loadIn(store, context, request.items)) };
      else reply = { id: request.id, type: 'render', ...(await store.documents(context, request.site, request.items)) };
    }
  } catch (error) {
    reply = { id: request.id, type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(reply);
});
