// The dev server's Vite plugin: serves the site from a DevSite (pages rendered on request,
// assets from memory), watches content/ and the spec report, reloads the browser after a
// save and shows a page's problems in the terminal and in Vite's error overlay. With a
// DevSpec (`--spec`), a save does not reload: the server runs the changed cases and sends
// `onix:pages` (which pages to swap in: running, then each result) and `onix:failures` (the
// failing cases across pages, for the overlay) over Vite's connection, to LIVE_URL's script.

import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve } from 'node:path';
import { colors as pc } from '../../terminal-colors.ts';
import type { Plugin, ViteDevServer } from 'vite';
import { REPORT_FILE } from '../../spec/report-types.ts';
import type { PageProblem } from '../model/analyze.ts';
import { withStyleNonce } from '../render/csp.ts';
import type { DevSite } from './dev-site.ts';
import type { DevSpec, FailingCase } from './dev-spec.ts';

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

/** Where a page loads the live-results script from (dev server with --spec only). */
const LIVE_URL = '/@onix-live.js';

/**
 * The browser side of --spec: on `onix:pages` naming this page, fetch its new render and swap
 * the page body (.page: contents and article) in place, without a reload; on `onix:failures`,
 * list the failing cases in Vite's error overlay (again only when the list changed).
 */
const LIVE_SCRIPT = `import('/@vite/client').then(function (vite) {
  var hot = vite.createHotContext('${LIVE_URL}');
  var latest = 0;
  hot.on('onix:pages', function (d) {
    if (d.urls.indexOf(location.pathname) < 0) return;
    var mine = ++latest;
    fetch(location.pathname, { cache: 'no-store' }).then(function (r) { return r.text(); }).then(function (html) {
      if (mine !== latest) return;
      var next = new DOMParser().parseFromString(html, 'text/html').querySelector('.page');
      var cur = document.querySelector('.page');
      if (next && cur) cur.replaceWith(document.importNode(next, true));
      document.dispatchEvent(new CustomEvent('onix:page-swapped'));
    });
  });
  var shown = null, overlay = null;
  hot.on('onix:failures', function (d) {
    var key = JSON.stringify(d.cases);
    if (key === shown) return;
    shown = key;
    if (overlay) { overlay.remove(); overlay = null; }
    var O = customElements.get('vite-error-overlay');
    if (!O || d.cases.length === 0) return;
    var lines = d.cases.map(function (c) { return c.id + '  ' + c.title + ': ' + c.message + (c.url ? '  (' + c.url + ')' : ''); });
    overlay = new O({ plugin: 'onix-spec', message: d.cases.length + ' failing case' + (d.cases.length === 1 ? '' : 's') + ' on ' + d.target + '\\n' + lines.join('\\n'), id: d.cases[0].id, stack: '' });
    document.body.appendChild(overlay);
  });
});
`;

/** sha256 of a file's bytes, or null when it cannot be read (deleted). */
async function bytesHash(file: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

/** How a DevSpec reaches the browsers: over Vite's connection. */
export function devSpecEvents(server: () => ViteDevServer | null, target: () => string) {
  return {
    pages(urls: string[]) {
      server()?.ws.send('onix:pages', { urls });
    },
    failures(cases: FailingCase[]) {
      server()?.ws.send('onix:failures', { cases, target: target() });
    },
  };
}

/** `spec`: the live spec of `--spec` (default: none, the last report on disk is shown). */
export function onixSitePlugin(dev: DevSite, reportDir: string, spec: () => DevSpec | null = () => null): Plugin {
  const contentDir = dev.model.contentDir;
  const reportFile = resolve(reportDir, REPORT_FILE);
  return {
    name: 'onix-site',
    configureServer(server: ViteDevServer) {
      server.watcher.add([contentDir, reportFile]);
      const onChange = async (file: string) => {
        const abs = resolve(file);
        if (abs === reportFile) {
          if (spec()) return; // the live results are newer than any report on disk
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
          if (result.url) spec()?.pageChanged(abs);
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
          const live = spec();
          if (live && !result.navChanged) live.pageChanged(abs);
          else server.ws.send({ type: 'full-reload' });
        }
      };
      // A save can be seen half-written (the file truncated, then written), and the watcher may
      // let the event of its end go by: after handling a change, look at the file again and
      // handle it once more while its bytes still differ from what was handled.
      const handling = new Map<string, Promise<void>>();
      const settled = async (file: string) => {
        for (let i = 0; i < 5; i++) {
          const before = await bytesHash(file);
          await onChange(file);
          await new Promise((r) => setTimeout(r, 30));
          if ((await bytesHash(file)) === before) return;
        }
      };
      const guarded = (file: string) => {
        const previous = handling.get(file) ?? Promise.resolve();
        const next = previous
          .then(() => settled(file))
          .catch((error: unknown) => {
            console.error(pc.red(`dev: ${(error as Error).message}`));
          });
        handling.set(file, next);
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
        if (url === LIVE_URL && spec()) return send(res, 200, 'text/javascript', LIVE_SCRIPT);
        if (url.startsWith('/@') || url.startsWith('/node_modules/')) return next();
        const pageUrl = url.endsWith('/') || url.endsWith('.html') ? url.replace(/index\.html$/, '') : `${url}/`;
        const html = dev.pageHtml(pageUrl);
        const status = html === null ? 404 : 200;
        // A classic script (Vite rewrites module scripts of a page into proxied modules). The
        // pages' policy gets a fresh nonce for the <style> of Vite's overlay (csp.ts).
        const scripts = `<script src="${OVERLAY_URL}"></script>${spec() ? `<script src="${LIVE_URL}"></script>` : ''}`;
        const body = (html ?? dev.notFoundHtml()).replace('</body>', `${scripts}</body>`);
        const nonce = randomBytes(16).toString('base64');
        server.transformIndexHtml(url, body).then((out) => send(res, status, 'text/html; charset=utf-8', withStyleNonce(out, nonce)), next);
      });
    },
  };
}
