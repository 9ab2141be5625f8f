// The onix-cli stone: `onix`, `moss` and `onix-agent` bundled with esbuild,
// run by the host's Node binary with its own glibc closure under /usr/lib/onix
// (interpreter and RUNPATH patched to point there: private, not the machine's
// libc), better-sqlite3's native module, moss-exchange (renameat2) and
// moss-container (the transaction triggers' container).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../../repo-root.ts';
import { HOST_TOOLS, requireHostTools } from '../host-tools.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles, hashText } from '../stone-cache.ts';
import { copyTree, install } from '../tree.ts';
import { debTree } from './deb-tree.ts';
import { GLIBC_PACKAGES } from './mesa.ts';

/**
 * Entry points bundled into the stone, when present in the tree, and their module format.
 * CommonJS where the code allows it: Node's ESM loader compiles a good deal of its own
 * internals at every start, which under TCG costs more than `onix status` itself (the host's
 * onix bin is CommonJS for the same reason). moss stays ESM: it awaits its hasher at top level.
 */
export const ENTRY_POINTS: Record<string, { entry: string; format: 'cjs' | 'esm' }> = {
  onix: { entry: 'onix/cli/main.ts', format: 'cjs' },
  moss: { entry: 'onix/moss/main.ts', format: 'esm' },
  'onix-agent': { entry: 'onix/machine/agent/main.ts', format: 'cjs' },
};

/** The bundle's file name: <name>.cjs or <name>.mjs. */
export function bundleFile(name: string): string {
  return `${name}.${ENTRY_POINTS[name]?.format === 'cjs' ? 'cjs' : 'mjs'}`;
}

/** npm packages copied (only what runs) for better-sqlite3. */
const NODE_MODULES: Record<string, string[]> = {
  'better-sqlite3': ['package.json', 'lib', 'build/Release/better_sqlite3.node'],
  bindings: ['package.json', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'index.js'],
};

const LIB = '/usr/lib/onix/lib';

/** Bundles the entry points that exist into dir/<bundleFile(name)>; returns the names bundled. */
export async function bundleEntryPoints(dir: string): Promise<string[]> {
  const { build } = await import('esbuild');
  const names: string[] = [];
  for (const [name, { entry, format }] of Object.entries(ENTRY_POINTS)) {
    const src = join(REPO_ROOT, entry);
    if (!existsSync(src)) continue;
    await build({
      entryPoints: [src],
      bundle: true,
      platform: 'node',
      format,
      target: 'node20',
      outfile: join(dir, bundleFile(name)),
      external: ['better-sqlite3'],
      // CommonJS dependencies bundled into ESM still call require().
      ...(format === 'esm'
        ? { banner: { js: "import { createRequire as __onixCreateRequire } from 'node:module'; const require = __onixCreateRequire(import.meta.url);" } }
        : {}),
      logLevel: 'error',
      legalComments: 'none',
    });
    names.push(name);
  }
  return names;
}

/** The stand-in's static helpers, built from onix/moss/{exchange,container}.c. */
export interface MossHelpers {
  exchange: string;
  container: string;
}

export function onixCliRecipe(debs: Map<string, string>, bundleDir: string, bundled: string[], helpers: MossHelpers): StoneRecipe {
  const node = realpathSync(process.execPath);
  const nativeModule = join(REPO_ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  const glibc = GLIBC_PACKAGES.map((n) => debs.get(n)!);
  const sqliteVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  return {
    meta: {
      name: 'onix-cli',
      version: '0.1.0',
      release: 1,
      summary: 'the onix command, the moss stand-in and onix-agent, with their private Node runtime',
      description: `bundled: ${bundled.join(', ')}; node ${process.version}; better-sqlite3 ${sqliteVersion}`,
      licenses: ['MPL-2.0', 'MIT'],
    },
    inputs: [
      hashFiles([node, nativeModule, helpers.exchange, helpers.container, ...bundled.map((b) => join(bundleDir, bundleFile(b)))]),
      hashText(...glibc.map((g) => basename(g))),
      sqliteVersion,
    ],
    async make(usr, work) {
      requireHostTools([HOST_TOOLS.patchelf]);
      const lib = join(usr, 'lib/onix/lib');
      const tree = await debTree(glibc, join(work, 'glibc'));
      copyTree(join(tree, 'lib/x86_64-linux-gnu'), lib);
      const { rmSync } = await import('node:fs');
      rmSync(join(lib, 'gconv'), { recursive: true, force: true });
      const nodeDest = join(usr, 'lib/onix/bin/node');
      install(node, nodeDest, 0o755);
      execFileSync('patchelf', ['--set-interpreter', `${LIB}/ld-linux-x86-64.so.2`, '--set-rpath', LIB, nodeDest]);
      for (const [pkg, parts] of Object.entries(NODE_MODULES))
        for (const part of parts) copyTree(join(REPO_ROOT, 'node_modules', pkg, part), join(usr, 'lib/onix/node_modules', pkg, part));
      execFileSync('patchelf', ['--set-rpath', LIB, join(usr, 'lib/onix/node_modules/better-sqlite3/build/Release/better_sqlite3.node')]);
      mkdirSync(join(usr, 'bin'), { recursive: true });
      for (const name of bundled) {
        install(join(bundleDir, bundleFile(name)), join(usr, 'lib/onix', bundleFile(name)));
        writeFileSync(join(usr, 'bin', name), `#!/bin/sh\nexec /usr/lib/onix/bin/node /usr/lib/onix/${bundleFile(name)} "$@"\n`, { mode: 0o755 });
      }
      install(helpers.exchange, join(usr, 'libexec/moss/moss-exchange'), 0o755);
      install(helpers.container, join(usr, 'libexec/moss/moss-container'), 0o755);
    },
  };
}
