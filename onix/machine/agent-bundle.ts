// Bundles onix/machine/agent/main.ts into one .mjs (Node built-ins only) with
// esbuild, cached by the hash of its sources in .cache/machine/. The local and
// sandbox drivers run this file; the development VM image carries it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../repo-root.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const MACHINE_CACHE = join(REPO_ROOT, '.cache', 'machine');

function sourceHash(): string {
  const h = createHash('sha256');
  const files = [
    join(here, 'machine.ts'),
    join(REPO_ROOT, 'onix/shell-quote.ts'),
    ...readdirSync(join(here, 'agent'))
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(here, 'agent', f)),
  ];
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

let cached: Promise<string> | null = null;

/** Absolute path of the bundled agent, built on first use. */
export function agentBundle(): Promise<string> {
  cached ??= (async () => {
    const out = join(MACHINE_CACHE, 'agent', `onix-agent-${sourceHash()}.mjs`);
    if (existsSync(out)) return out;
    mkdirSync(dirname(out), { recursive: true });
    const { build } = await import('esbuild');
    const tmp = `${out}.${process.pid}.tmp`;
    await build({
      entryPoints: [join(here, 'agent', 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node18',
      outfile: tmp,
      logLevel: 'error',
    });
    renameSync(tmp, out);
    return out;
  })();
  return cached;
}
