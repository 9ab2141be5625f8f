// Runs a TypeScript entry point as one esbuild bundle, cached in .cache/bundles/<name>/ and
// rebuilt when any of its inputs changed (size and mtime of every file esbuild read, recorded
// next to the bundle). This is how `npm run spec` starts in well under 300 ms, and `npm run
// build` and `npm run publish` in about 0.35 s, where tsx needs 1.5-1.9 s (measured, a usage
// error each): no TypeScript compiled at start, no ESM loader (this file and the bundle are
// CommonJS; generator/bin/package.json says so), one file read, and V8's code cache kept beside
// the bundle. esbuild ships with tsx.
//
// Sources that find files next to themselves use import.meta.url / import.meta.dirname (ours,
// and packages such as fdir); a CJS bundle has no import.meta, so each is replaced at build time
// by that source file's own location (the bundle is for this checkout only: the manifest records its root). Packages
// that must stay outside (native addons, esbuild itself) are required from the repository's
// node_modules at run time.
'use strict';

const { mkdirSync, readFileSync, renameSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url');
const { isFresh, writeInputs } = require('../../onix/bin/bundle-inputs.js');
const { runWithCodeCache } = require('../../onix/bin/code-cache.js');

const repo = resolve(__dirname, '../..');

/**
 * A dynamic import() esbuild leaves to run time: a specifier that is not a string literal, or a
 * package's or a builtin's (an external). Inside the bundle such an import() fails once V8's code
 * cache is used (Node 20 drops the script's import callback with it:
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so ours go through __bundleImport (runBundle).
 */
const RUNTIME_IMPORT = /\bimport\((?=\s*[^\s'"`]|\s*['"](?![./]))/g;

/**
 * Each source's import.meta.* (ours and packages') as literals of its own location, replaced as
 * expressions by esbuild (never inside strings); in our own sources, a computed import() (the
 * image builder, loaded only when an image is built) goes through __bundleImport (runBundle).
 */
const importMetaPlugin = {
  name: 'import-meta-of-source',
  setup(build) {
    const esbuild = require('esbuild');
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      const ours = !args.path.includes('/node_modules/');
      const computed = ours && source.search(RUNTIME_IMPORT) >= 0;
      if (!source.includes('import.meta') && !computed) return undefined;
      const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
      // Types first: a type annotation's import('mdast').Code is no import() and must stay one.
      const js = computed && loader === 'ts' ? (await esbuild.transform(source, { loader, format: 'esm', sourcefile: args.path })).code : source;
      const { code } = await esbuild.transform(computed ? js.replace(RUNTIME_IMPORT, 'globalThis.__bundleImport(') : js, {
        loader: computed ? 'js' : loader,
        format: 'esm',
        sourcefile: args.path,
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(args.path).href),
          'import.meta.dirname': JSON.stringify(dirname(args.path)),
          'import.meta.filename': JSON.stringify(args.path),
        },
      });
      return { contents: code, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * Packages that stay packages, required at run time: native addons (better-sqlite3, resvg),
 * esbuild (which finds its own binary), and gh-pages (sloppy-mode code: it reads
 * arguments.callee, which a bundle's strict mode forbids).
 */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'playwright-core', 'fsevents', '@resvg/resvg-js', 'gh-pages'];

/**
 * In an ESM bundle, the external packages by their absolute paths in this repository: an ESM
 * import resolves from the bundle's own folder, which ONIX_BUNDLE_DIR may put outside it.
 */
const externalsFromRepoPlugin = {
  name: 'externals-from-repo',
  setup(build) {
    const names = new RegExp(`^(${EXTERNAL.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter: names }, (args) => ({ path: require.resolve(args.path, { paths: [repo] }), external: true }));
  },
};

/**
 * Bundles `entry` into `bundle`. `format` is 'cjs' for entry points (run through runBundle with a
 * code cache) and 'esm' for modules loaded later through a computed import(): those may use
 * top-level await (moss's XXH3 hasher does), which a CommonJS bundle cannot hold.
 */
async function build(entry, bundle, manifest, launcher, format = 'cjs') {
  const esbuild = require('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    // CommonJS packages inside an ESM bundle still call require().
    banner:
      format === 'esm'
        ? { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" }
        : undefined,
    target: 'node20',
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
    plugins: format === 'esm' ? [importMetaPlugin, externalsFromRepoPlugin] : [importMetaPlugin],
    external: EXTERNAL,
  });
  renameSync(tmp, bundle);
  // The launcher, this file and the inputs record shape the bundle too.
  writeInputs(manifest, repo, [...Object.keys(result.metafile.inputs), launcher, 'generator/bin/cached-bundle.js', 'onix/bin/bundle-inputs.js']);
}

/**
 * Runs the bundle as require() would, compiled with V8's code cache kept next to it: written
 * at exit when missing or rejected (after the run, so it holds what this run compiled lazily
 * too), read on every later start.
 */
function runBundle(bundle, launcher) {
  // Computed imports from the bundle (rewritten by the plugin): a TypeScript module is bundled
  // and cached the same way, on first use, and required.
  globalThis.__bundleImport = async (specifier) => {
    const path = String(specifier).startsWith('file:') ? fileURLToPath(String(specifier)) : String(specifier);
    if (!/\.[cm]?ts$/.test(path)) return import(specifier);
    const entry = relative(repo, resolve(path));
    const name = entry.replace(/\.[cm]?ts$/, '').replace(/[^A-Za-z0-9]+/g, '-');
    const { out, manifest } = locate(name, 'mjs');
    if (!isFresh(out, manifest, repo)) await build(entry, out, manifest, launcher, 'esm');
    return import(pathToFileURL(out).href);
  };
  // Packages left outside the bundle are the repository's, wherever the cache dir is.
  runWithCodeCache(bundle, module, { packagesFrom: repo, requireFrom: join(repo, 'package.json'), dynamicImport: true });
}

/**
 * Run `entry` (a path relative to the repository) from its cached bundle `name`, building it first
 * when it is missing or stale. `launcher` is the bin file calling this (relative to the repository).
 */
function runCached(name, entry, launcher) {
  const { out, manifest } = locate(name);
  if (isFresh(out, manifest, repo)) return runBundle(out, launcher);
  build(entry, out, manifest, launcher).then(
    () => runBundle(out, launcher),
    (error) => {
      process.stderr.write(`${name}: cannot build ${entry}: ${error.message.split('\n')[0]}\n`);
      process.exit(2);
    },
  );
}

/** Where bundle `name` and its manifest live. */
function locate(name, extension = 'cjs') {
  const dir = join(process.env.ONIX_BUNDLE_DIR || join(repo, '.cache/bundles'), name);
  return { out: join(dir, `${name}.${extension}`), manifest: join(dir, 'inputs.json') };
}

module.exports = { runCached };
