// Runs a CommonJS bundle as require() would, but compiled with V8's code cache kept next to
// it: written at exit when missing or rejected (after the run, so it holds the functions
// this run compiled lazily too), read on every later start. Shared by the `onix` bin and
// `npm run spec` (generator/bin/cached-bundle.js), whose start-up both depend on it.
'use strict';

const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

/**
 * `bundle`: the bundle's path. `parent`: the module that runs it. `packagesFrom`: the folder
 * whose node_modules serve the packages left outside the bundle. `requireFrom`: the file the
 * bundle's own require() resolves from (default: the bundle). `dynamicImport`: let the bundle
 * use import() (default: false).
 */
function runWithCodeCache(bundle, parent, { packagesFrom, requireFrom = bundle, dynamicImport = false }) {
  const Module = require('node:module');
  const { Script, constants } = require('node:vm');
  const codeCache = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    // first run: made at exit
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData,
    ...(dynamicImport ? { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
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
  const mod = new Module(bundle, parent);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(packagesFrom);
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(requireFrom), mod, bundle, dirname(bundle));
}

module.exports = { runWithCodeCache };
