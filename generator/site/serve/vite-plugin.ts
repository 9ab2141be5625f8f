// The dev server's Vite plugin: serves the site from a DevSite (pages rendered on request,
// assets from memory), watches content/ and the spec report, reloads the browser after a
// save and shows a page's problems in the terminal and in Vite's error overlay.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve } from 'node:path';
import pc from 'picocolors';
import type { Plugin, ViteDevServer } from 'vite';
import { REPORT_FILE } from '../../spec/report-types.ts';
import type { PageProblem } from '../model/analyze.ts';
import { withStyleNonce } from '../render/csp.ts';
import type { DevSite } from './dev-site.ts';

const types: Record<string, string> = { '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml', '.png': 'image/png' };

export function showProblems(problems: PageProblem[]): void {
  for (const p of problems) console.error(pc.red(`${p.file}:${p.line}: ${p.message}`));
}

/** Where a page loads overlayScript() from: a file, since the pages' policy allows no inline script. */
const OVERLAY_URL = '/@onix-problems.js';

/** Vite's error overlay for the site's problems, as a script (empty when there are none). */
function overlayScript(problems: PageProblem[]): string {
  if (problems.length === 0) return '';
  const first = problems[0]!;
  const err = {
    plugin: 'onix-site',
    message: problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'),
    id: first.file,
    loc: { file: first.file, line: first.line, column: 1 },
    stack: '',
  };
  return `import('/@vite/client').then(function () { var O = customElements.get('vite-error-overlay'); if (O) document.body.appendChild(new O(${JSON.stringify(err)})); });`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

export function onixSitePlugin(dev: DevSite, reportDir: string): Plugin {
  const contentDir = dev.model.contentDir;
  const reportFile = resolve(reportDir, REPORT_FILE);
  return {
    name: 'onix-site',
    configureServer(server: ViteDevServer) {
      server.watcher.add([contentDir, reportFile]);
      const onChange = async (file: string) => {
        const abs = resolve(file);
        if (abs === reportFile) {
          await dev.reloadReport();
          console.log(pc.dim('spec report changed: pages show the new results'));
          server.ws.send({ type: 'full-reload' });
          return;
        }
        if (!abs.startsWith(contentDir) || !abs.endsWith('.md')) return;
        const result = await dev.fileChanged(abs);
        if (result.url === null && result.problems.length === 0) {
          console.log(`${pc.green('removed')} ${dev.model.rel(abs)}`);
          server.ws.send({ type: 'full-reload' });
        } else if (result.problems.length) {
          showProblems(result.problems);
          const first = result.problems[0]!;
          server.ws.send({
            type: 'error',
            err: {
              plugin: 'onix-site',
              message: result.problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'),
              id: first.file,
              loc: { file: first.file, line: first.line, column: 1 },
              stack: '',
            },
          });
        } else {
          console.log(`${pc.green('rebuilt')} ${result.url ?? dev.model.rel(abs)} in ${result.ms.toFixed(1)} ms${result.navChanged ? ' (nav changed)' : ''}`);
          server.ws.send({ type: 'full-reload' });
        }
      };
      const guarded = (file: string) => {
        onChange(file).catch((error: unknown) => {
          console.error(pc.red(`dev: ${(error as Error).message}`));
        });
      };
      server.watcher.on('change', guarded);
      server.watcher.on('add', guarded);
      server.watcher.on('unlink', guarded);

      server.middlewares.use((req, res, next) => {
        const url = new URL(req.url ?? '/', 'http://localhost').pathname;
        const asset = dev.assets.files.get(url.slice(1));
        if (asset) return send(res, 200, types[extname(url)] ?? 'application/octet-stream', asset);
        const artifact = dev.artifactFile(url);
        if (artifact) {
          readFile(artifact).then(
            (data) => send(res, 200, types[extname(url)] ?? 'application/octet-stream', data),
            () => send(res, 404, 'text/plain', 'gone'),
          );
          return;
        }
        if (url === OVERLAY_URL) return send(res, 200, 'text/javascript', overlayScript(dev.allProblems()));
        if (url.startsWith('/@') || url.startsWith('/node_modules/')) return next();
        const pageUrl = url.endsWith('/') || url.endsWith('.html') ? url.replace(/index\.html$/, '') : `${url}/`;
        const html = dev.pageHtml(pageUrl);
        const status = html === null ? 404 : 200;
        // A classic script (Vite rewrites module scripts of a page into proxied modules). The
        // pages' policy gets a fresh nonce for the <style> of Vite's overlay (csp.ts).
        const body = (html ?? dev.notFoundHtml()).replace('</body>', `<script src="${OVERLAY_URL}"></script></body>`);
        const nonce = randomBytes(16).toString('base64');
        server.transformIndexHtml(url, body).then((out) => send(res, status, 'text/html; charset=utf-8', withStyleNonce(out, nonce)), next);
      });
    },
  };
}
