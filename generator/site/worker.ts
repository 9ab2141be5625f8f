// Worker thread of the build's pool: parses Markdown and tokenises code blocks, the two
// expensive pure steps, for the main thread. One highlighter per worker, created on first use.

import { parentPort } from 'node:worker_threads';
import { ContentError, parseMarkdown } from '../markdown/parse.ts';
import { createCodeHighlighter, type CodeHighlighter } from './highlight.ts';
import type { WorkerReply, WorkerRequest } from './worker-pool.ts';

let highlighter: Promise<CodeHighlighter> | null = null;

parentPort?.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  if (request.type === 'parse') {
    reply = {
      id: request.id,
      type: 'parse',
      results: request.items.map(({ file, source }) => {
        try {
          const page = parseMarkdown(file, source);
          return { ok: true as const, frontMatter: page.frontMatter, bodyLine: page.bodyLine, tree: page.tree };
        } catch (error) {
          if (error instanceof ContentError) return { ok: false as const, line: error.line, message: error.message };
          throw error;
        }
      }),
    };
  } else {
    highlighter ??= createCodeHighlighter();
    const h = await highlighter;
    reply = { id: request.id, type: 'tokenize', results: request.items.map(({ code, lang }) => h.tokenize(code, lang)) };
  }
  parentPort?.postMessage(reply);
});
