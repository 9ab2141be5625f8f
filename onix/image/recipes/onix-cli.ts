// The onix-cli stone: `onix`, `moss` and `onix-agent` bundled with esbuild,
// run by the host's Node binary with its own glibc closure under /usr/lib/onix
// (interpreter and RUNPATH patched to point there: private, not the machine's
// libc), better-sqlite3's native module, moss-exchange (renameat2) and
// moss-container (the transaction triggers' container).
// Start-up is most of what these commands cost under TCG, so each bundle is CommonJS,
// carries better-sqlite3's JavaScript (its `bindings` search of a dozen paths replaced by a
// require of the addon's one path, as onix/bin/onix.js does on the host), ships a V8 code
// cache made by the same Node binary, and is started by a #! launcher with no shell between.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { isFresh, writeInputs } from '../../bin/bundle-inputs.js';
import { basename, join } from 'node:path';
import { REPO_ROOT } from '../../repo-root.ts';
import { HOST_TOOLS, requireHostTools } from '../host-tools.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles, hashText } from '../stone-cache.ts';
import { copyTree, install } from '../tree.ts';
import type { Plugin } from 'esbuild';
import { debTree } from './deb-tree.ts';
import { GLIBC_PACKAGES } from './mesa.ts';

/**
 * Entry points bundled into the stone, when present in the tree. All CommonJS: Node's ESM
 * loader compiles a good deal of its own internals at every start and has no code cache,
 * which under TCG costs more than `onix status` itself.
 */
export const ENTRY_POINTS: Record<string, string> = {
  onix: 'onix/cli/main.ts',
  moss: 'onix/moss/main.ts',
  'onix-agent': 'onix/machine/agent/main.ts',
};

/** The bundle's file name. */
export function bundleFile(name: string): string {
  return `${name}.cjs`;
}

const PREFIX = '/usr/lib/onix';
const CODE_CACHE_SOURCE = join(REPO_ROOT, 'onix/bin/code-cache.js');
const LIB = `${PREFIX}/lib`;
/** better-sqlite3's native module in the image, the one file of it outside the bundles (beside them). */
const SQLITE_ADDON = `${PREFIX}/better_sqlite3.node`;
const CODE_CACHE_JS = `${PREFIX}/code-cache.js`;

/** The #! launcher of a bundle: Node straight from the kernel, the image's code cache read-only. */
function launcher(name: string): string {
  return `#!${PREFIX}/bin/node
'use strict';
require(${JSON.stringify(CODE_CACHE_JS)}).runWithCodeCache(${JSON.stringify(`${PREFIX}/${bundleFile(name)}`)}, module, { packagesFrom: ${JSON.stringify(PREFIX)}, writeCache: false });
`;
}

/**
 * Bundles the entry points that exist into dir/<bundleFile(name)>; returns the names bundled.
 * With `reuseDir` (one per checkout), a bundle made there from the same files is linked instead
 * of made again: bundle-inputs.js holds each input's size and mtime, as `npm run spec`'s own
 * cached bundle does. esbuild was about half of every machine start's image check (0.45 s).
 */
export async function bundleEntryPoints(dir: string, reuseDir?: string): Promise<string[]> {
  const names: string[] = [];
  for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
    const src = join(REPO_ROOT, entry);
    if (!existsSync(src)) continue;
    const out = join(dir, bundleFile(name));
    const kept = reuseDir && join(reuseDir, bundleFile(name));
    if (kept && isFresh(kept, `${kept}.inputs.json`, REPO_ROOT)) linkSync(kept, out);
    else {
      const { build } = await import('esbuild');
      const result = await build({
        entryPoints: [src],
        absWorkingDir: REPO_ROOT,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile: out,
        plugins: [bindingsToAddon],
        logLevel: 'error',
        legalComments: 'none',
        metafile: true,
      });
      if (kept) {
        // The bundle first, then what it was made from: a reader that finds the record finds its bundle.
        mkdirSync(reuseDir, { recursive: true });
        copyFileSync(out, `${kept}.${process.pid}.tmp`);
        renameSync(`${kept}.${process.pid}.tmp`, kept);
        const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes(':'));
        writeInputs(`${kept}.inputs.json`, REPO_ROOT, [...inputs, BUNDLER, ESBUILD_VERSION]);
      }
    }
    names.push(name);
  }
  return names;
}

/** What else makes a bundle: these options, and esbuild's version. */
const BUNDLER = 'onix/image/recipes/onix-cli.ts';
const ESBUILD_VERSION = 'node_modules/esbuild/package.json';

/** better-sqlite3 asks `bindings` to search for its addon; in the image it has one place. */
const bindingsToAddon: Plugin = {
  name: 'bindings-to-addon',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'onix-addon' }));
    // Beside the bundle, not at an absolute path: the initramfs runs the booted root's moss
    // from /sysroot/usr/lib/onix.
    b.onLoad({ filter: /.*/, namespace: 'onix-addon' }, () => ({
      contents: `module.exports = () => require(require('node:path').join(__dirname, ${JSON.stringify(basename(SQLITE_ADDON))}));`,
      loader: 'js',
    }));
  },
};

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
      hashFiles([node, nativeModule, CODE_CACHE_SOURCE, helpers.exchange, helpers.container, ...bundled.map((b) => join(bundleDir, bundleFile(b)))]),
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
      const addon = join(usr, SQLITE_ADDON.slice('/usr/'.length));
      install(nativeModule, addon);
      execFileSync('patchelf', ['--set-rpath', LIB, addon]);
      install(CODE_CACHE_SOURCE, join(usr, CODE_CACHE_JS.slice('/usr/'.length)));
      mkdirSync(join(usr, 'bin'), { recursive: true });
      for (const name of bundled) {
        const bundle = join(usr, 'lib/onix', bundleFile(name));
        install(join(bundleDir, bundleFile(name)), bundle);
        // The cache is made by the Node binary the image runs (V8 rejects another version's).
        execFileSync(node, ['-e', 'require(process.argv[1]).writeEagerCodeCache(process.argv[2])', CODE_CACHE_SOURCE, bundle], {
          env: { PATH: process.env.PATH ?? '' },
        });
        writeFileSync(join(usr, 'bin', name), launcher(name), { mode: 0o755 });
      }
      install(helpers.exchange, join(usr, 'libexec/moss/moss-exchange'), 0o755);
      install(helpers.container, join(usr, 'libexec/moss/moss-container'), 0o755);
    },
  };
}
