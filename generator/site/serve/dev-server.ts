// Start the dev server: a DevSite behind Vite, with a DevSpec when `spec` is given (`npm run
// dev -- --spec`: cases run on a warm machine after each save). Used by `npm run dev` and by
// the tests. Without `spec` no machine is ever made.

import { createServer, type ViteDevServer } from 'vite';
import { DEFAULT_REPORT_DIR } from '../../spec/report-types.ts';
import { DevSite, type DevSiteOptions } from './dev-site.ts';
import { DevSpec, type DevSpecOptions } from './dev-spec.ts';
import { devSpecEvents, onixSitePlugin } from './vite-plugin.ts';

export interface DevServerOptions extends DevSiteOptions {
  /** (default: "127.0.0.1") */
  host?: string;
  /** Port; 0 for any free one (default: 5173, the next free one if taken). */
  port?: number;
  /** Run the cases a save changed, on this target (default: none: show the last report, boot nothing). */
  spec?: DevSpecOptions;
}

export interface DevServer {
  dev: DevSite;
  /** The live spec, with `spec` (else null). */
  spec: DevSpec | null;
  /** e.g. "http://127.0.0.1:5173/" */
  url: string;
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const dev = await DevSite.start(options);
  let server: ViteDevServer | null = null;
  let spec: DevSpec | null = null;
  if (options.spec) {
    const target = options.spec.target ?? 'sandbox';
    spec = await DevSpec.start(
      dev,
      devSpecEvents(
        () => server,
        () => target,
      ),
      options.spec,
    );
  }
  server = await createServer({
    configFile: false,
    root: dev.model.contentDir,
    appType: 'custom',
    logLevel: 'warn',
    clearScreen: false,
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: options.host ?? '127.0.0.1', port: options.port ?? 5173, strictPort: false },
    plugins: [onixSitePlugin(dev, options.reportDir ?? DEFAULT_REPORT_DIR, () => spec)],
  });
  const vite = server;
  await vite.listen();
  const address = vite.httpServer?.address();
  const url = address && typeof address === 'object' ? `http://${options.host ?? '127.0.0.1'}:${address.port}/` : (vite.resolvedUrls?.local[0] ?? '');
  return {
    dev,
    spec,
    url,
    async close() {
      await spec?.close();
      await vite.close();
      await dev.close();
    },
  };
}
