#!/usr/bin/env node
// The `onix` bin. Starting TypeScript through tsx costs more than `onix status`
// may take, so this runs an esbuild bundle of onix/cli/main.ts, cached in
// .cache/onix/ and rebuilt when any of its inputs changed (size or mtime of
// every file esbuild read, recorded next to the bundle). esbuild ships with tsx.
//
// This file and the bundle are CommonJS (onix/bin/package.json says so): Node's
// ESM loader compiles a good deal of its own internals on first use, which
// costs more than everything `onix status` itself does. better-sqlite3 stays
// external (a native module), required by absolute path so the bundle works
// wherever the cache lives. The image builder bundles onix/cli/main.ts itself.
'use strict';

const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const repo = resolve(__dirname, '../..');
const cacheDir = process.env.ONIX_CACHE_DIR || join(repo, '.cache/onix');
const bundle = join(cacheDir, 'onix.cjs');
const manifest = join(cacheDir, 'inputs.json');

function isFresh() {
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

function build() {
  const esbuild = require('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const sqlite = require.resolve('better-sqlite3', { paths: [repo] });
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
    alias: { 'better-sqlite3': sqlite },
    external: [sqlite],
  });
  const inputs = Object.keys(result.metafile.inputs).map((path) => {
    const st = statSync(join(repo, path));
    return [path, st.mtimeMs, st.size];
  });
  renameSync(tmp, bundle);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ root: repo, inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}

if (!isFresh()) build();
require(bundle);
