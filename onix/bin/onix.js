#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// The `onix` bin. onix speaks no TLS, but Node parses every certificate named by
// NODE_EXTRA_CA_CERTS before any script runs (about 60 ms on the 2-core test
// host, where it is set): the #! line starts node without it.
// Starting TypeScript through tsx costs more than `onix status`
// may take, so this runs an esbuild bundle of onix/cli/main.ts, cached in
// .cache/onix/ and rebuilt when any of its inputs changed (size or mtime of
// every file esbuild read, recorded next to the bundle). esbuild ships with tsx.
//
// This file and the bundle are CommonJS (onix/bin/package.json says so): Node's
// ESM loader compiles a good deal of its own internals on first use, which
// costs more than everything `onix status` itself does. better-sqlite3's
// JavaScript is bundled too; its `bindings` lookup (which searches a dozen
// paths for the addon) is replaced by a require of the addon's absolute path,
// the one file left outside the bundle. The image builder bundles
// onix/cli/main.ts itself.
'use strict';

const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const { isFresh, writeInputs } = require('./bundle-inputs.js');

const repo = resolve(__dirname, '../..');
const cacheDir = process.env.ONIX_CACHE_DIR || join(repo, '.cache/onix');
const bundle = join(cacheDir, 'onix.cjs');
const manifest = join(cacheDir, 'inputs.json');

function build() {
  const esbuild = require('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const addon = join(dirname(require.resolve('better-sqlite3/package.json', { paths: [repo] })), 'build/Release/better_sqlite3.node');
  const bindings = join(cacheDir, 'bindings.cjs');
  writeFileSync(bindings, `'use strict';\nmodule.exports = () => require(${JSON.stringify(addon)});\n`);
  const result = esbuild.buildSync({
    absWorkingDir: repo,
    entryPoints: ['onix/cli/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
    alias: { bindings },
    external: [addon],
  });
  renameSync(tmp, bundle);
  // This file and the inputs record shape the bundle too.
  writeInputs(manifest, repo, [...Object.keys(result.metafile.inputs), 'onix/bin/onix.js', 'onix/bin/bundle-inputs.js']);
}

if (!isFresh(bundle, manifest, repo)) build();
require('./code-cache.js').runWithCodeCache(bundle, module, { packagesFrom: cacheDir });
