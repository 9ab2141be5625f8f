// `npm run dev`: Vite serves the site from memory. Saving a Markdown file re-renders that
// page (and marks pages stale when the nav changed) and reloads the browser; a mistake in a
// page is shown in the terminal and in Vite's error overlay, and the server keeps running.
// Without --spec it never boots a machine: blocks show the last spec report (re-read when it
// changes). With --spec a warm machine (default: the sandbox) runs the cases each save changed,
// and the page shows "running..." and then each result in place, without a reload.
// Usage: dev [--port N] [--host ADDR] [--content DIR] [--report-dir DIR] [--spec [--target T]]

import { parseArgs } from 'node:util';
import { colors as pc } from '../terminal-colors.ts';
import { sweepLeftovers } from '../../onix/leftovers.ts';
import { slowProgress } from './slow-progress.ts';
import { startDevServer } from '../site/serve/dev-server.ts';
import { showProblems } from '../site/serve/vite-plugin.ts';
import { DEFAULT_REPORT_DIR } from '../spec/report-types.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5173' },
      host: { type: 'string', default: '127.0.0.1' },
      content: { type: 'string', default: 'content' },
      'report-dir': { type: 'string', default: DEFAULT_REPORT_DIR },
      spec: { type: 'boolean', default: false },
      target: { type: 'string' },
    },
  });
  if (values.target && !values.spec) throw new Error('--target goes with --spec (without it the dev server runs nothing)');
  const started = performance.now();
  const swept = await sweepLeftovers();
  if (swept) console.log(`dev: ${swept}`);
  const server = await startDevServer({
    contentDir: values.content,
    reportDir: values['report-dir'],
    host: values.host,
    port: Number(values.port),
    spec: values.spec ? { target: values.target ?? 'sandbox', onProgress: slowProgress((line) => console.log(pc.dim(`spec: ${line}`))).line } : undefined,
  });
  console.log(
    `${pc.bold('onix-os.com dev')}: ${server.dev.model.pages.size} pages ready in ${Math.round(performance.now() - started)} ms at ${pc.cyan(server.url)}`,
  );
  if (server.spec) console.log(`spec: each save runs the cases it changed on ${pc.bold(server.spec.target)}; results show on the page`);
  showProblems(server.dev.allProblems());
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`dev: ${(error as Error).message}`);
  process.exit(1);
});
