// Runs a CommonJS bundle as require() would, but compiled with V8's code cache kept next to
// it: written at exit when missing or rejected (after the run, so it holds the functions
// this run compiled lazily too), read on every later start. Shared by the `onix` bin,
// `npm run spec` (generator/bin/cached-bundle.js) and the test image's commands (onix, moss,
// onix-agent), whose start-up all depend on it. The image cannot write its cache at run time
// (/usr is moss's), so its builder writes one ahead with `writeEagerCodeCache`.
'use strict';

const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/** The script V8 compiles for a bundle: the same text on both sides of the cache. */
function bundleScript(bundle, options) {
  const Module = require('node:module');
  const { Script } = require('node:vm');
  const text = readFileSync(bundle, 'utf8');
  // A #! line is a syntax error inside the wrapper; as a comment it keeps the line numbers.
  const source = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  return new Script(Module.wrap(source), { filename: bundle, ...options });
}

/**
 * Writes `${bundle}.v8cache` with every function compiled, not only those one run reaches:
 * compiled with --no-lazy, serialised after --lazy is back, because V8 accepts a cache only
 * when the flags it was made under hash the same as the consumer's. Must run in the Node
 * binary that will read the cache (V8 rejects another version's).
 */
function writeEagerCodeCache(bundle) {
  const v8 = require('node:v8');
  v8.setFlagsFromString('--no-lazy');
  let script;
  try {
    script = bundleScript(bundle);
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  writeFileSync(`${bundle}.v8cache`, script.createCachedData());
}

/**
 * `bundle`: the bundle's path. `parent`: the module that runs it. `packagesFrom`: the folder
 * whose node_modules serve the packages left outside the bundle. `requireFrom`: the file the
 * bundle's own require() resolves from (default: the bundle). `dynamicImport`: let the bundle
 * use import() (default: false). `writeCache`: write the cache at exit when it is missing or
 * rejected (default: true).
 */
function runWithCodeCache(bundle, parent, { packagesFrom, requireFrom = bundle, dynamicImport = false, writeCache = true }) {
  const Module = require('node:module');
  const { constants } = require('node:vm');
  const codeCache = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // first run: made at exit
  }
  const script = bundleScript(bundle, {
    cachedData,
    ...(dynamicImport ? { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  if (process.env.ONIX_CODE_CACHE_REPORT) process.stderr.write(`code cache: ${!cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used'}\n`);
  if (writeCache && (!cachedData || script.cachedDataRejected)) {
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
  const mod = new Module(bundle, parent);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(packagesFrom);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(requireFrom), mod, bundle, dirname(bundle));
}

module.exports = { runWithCodeCache, writeEagerCodeCache };
