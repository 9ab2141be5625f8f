// Start the dev server: a DevSite behind Vite. Used by `npm run dev` and by the tests.

import { createServer } from 'vite';
import { DEFAULT_REPORT_DIR } from '../../spec/report-types.ts';
import { DevSite, type DevSiteOptions } from './dev-site.ts';
import { onixSitePlugin } from './vite-plugin.ts';

export interface DevServerOptions extends DevSiteOptions {
  /** (default: "127.0.0.1") */
  host?: string;
  /** Port; 0 for any free one (default: 5173, the next free one if taken). */
  port?: number;
}

export interface DevServer {
  dev: DevSite;
  /** e.g. "http://127.0.0.1:5173/" */
  url: string;
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const dev = await DevSite.start(options);
  const server = await createServer({
    configFile: false,
    root: dev.model.contentDir,
    appType: 'custom',
    logLevel: 'warn',
    clearScreen: false,
    optimizeDeps: { noDiscovery: true, include: [] },
    server: { host: options.host ?? '127.0.0.1', port: options.port ?? 5173, strictPort: false },
    plugins: [onixSitePlugin(dev, options.reportDir ?? DEFAULT_REPORT_DIR)],
  });
  await server.listen();
  const address = server.httpServer?.address();
  const url = address && typeof address === 'object' ? `http://${options.host ?? '127.0.0.1'}:${address.port}/` : (server.resolvedUrls?.local[0] ?? '');
  return {
    dev,
    url,
    async close() {
      await server.close();
      await dev.close();
    },
  };
}
