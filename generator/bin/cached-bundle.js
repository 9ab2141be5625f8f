// Runs a TypeScript entry point as one esbuild bundle, cached in .cache/bundles/<name>/ and
// rebuilt when any of its inputs changed (size and mtime of every file esbuild read, recorded
// next to the bundle). This is how `npm run spec` starts in well under 300 ms where tsx needs
// about a second: no TypeScript compiled at start, no ESM loader (this file and the bundle are
// CommonJS; generator/bin/package.json says so), one file read, and V8's code cache kept beside
// the bundle. esbuild ships with tsx.
//
// Sources that find files next to themselves use import.meta.url / import.meta.dirname (ours,
// and packages such as fdir); a CJS bundle has no import.meta, so each is replaced at build time
// by that source file's own location (the bundle is for this checkout only: the manifest records its root). Packages
// that must stay outside (native addons, esbuild itself) are required from the repository's
// node_modules at run time.
'use strict';

const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

const repo = resolve(__dirname, '../..');

/** Is the bundle there and built from the files as they are now? */
function isFresh(bundle, manifest) {
  if (!existsSync(bundle)) return false;
  try {
    const { root, inputs } = JSON.parse(readFileSync(manifest, 'utf8'));
    return root === repo && inputs.every(([path, mtimeMs, size]) => {
      const st = statSync(join(repo, path));
      return st.mtimeMs === mtimeMs && st.size === size;
    });
  } catch {
    return false;
  }
}

/** Each source's import.meta.* (ours and packages') as literals of its own location. */
const importMetaPlugin = {
  name: 'import-meta-of-source',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta')) return undefined;
      const text = source
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      return { contents: text, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

async function build(entry, bundle, manifest, launcher) {
  const esbuild = require('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
    plugins: [importMetaPlugin],
    // Native addons and esbuild (which finds its own binary) stay packages, required at run time.
    external: ['better-sqlite3', 'esbuild', 'playwright-core', 'fsevents'],
  });
  // The launcher and this file shape the bundle too.
  const inputs = [...Object.keys(result.metafile.inputs), launcher, 'generator/bin/cached-bundle.js'].map((path) => {
    const st = statSync(join(repo, path));
    return [path, st.mtimeMs, st.size];
  });
  renameSync(tmp, bundle);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ root: repo, inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}

/**
 * Runs the bundle as require() would, compiled with V8's code cache kept next to it: written
 * at exit when missing or rejected (after the run, so it holds what this run compiled lazily
 * too), read on every later start.
 */
function runBundle(bundle) {
  const Module = require('node:module');
  const { Script } = require('node:vm');
  const codeCache = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // first run: made at exit
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData, importModuleDynamically: undefined });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${codeCache}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, codeCache);
      } catch {
        // a read-only cache dir only costs the speed-up
      }
    });
  }
  const dir = dirname(bundle);
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dir);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dir);
}

/**
 * Run `entry` (a path relative to the repository) from its cached bundle `name`, building it first
 * when it is missing or stale. `launcher` is the bin file calling this (relative to the repository).
 */
function runCached(name, entry, launcher) {
  const cacheDir = process.env.ONIX_BUNDLE_DIR || join(repo, '.cache/bundles', name);
  const bundle = join(cacheDir, `${name}.cjs`);
  const manifest = join(cacheDir, 'inputs.json');
  if (isFresh(bundle, manifest)) return runBundle(bundle);
  build(entry, bundle, manifest, launcher).then(
    () => runBundle(bundle),
    (error) => {
      process.stderr.write(`${name}: cannot build ${entry}: ${error.message.split('\n')[0]}\n`);
      process.exit(2);
    },
  );
}

module.exports = { runCached };
