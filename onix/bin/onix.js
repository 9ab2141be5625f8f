#!/usr/bin/env node
// The `onix` bin. Starting TypeScript through tsx costs more than `onix status`
// may take, so this runs an esbuild bundle of onix/cli/main.ts, cached in
// .cache/onix/ and rebuilt when any of its inputs changed (size or mtime of
// every file esbuild read, recorded next to the bundle). esbuild ships with tsx.
// better-sqlite3 stays external (a native module, imported by absolute path). The image builder bundles
// onix/cli/main.ts itself and does not use this file.

import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = process.env.ONIX_CACHE_DIR || join(repo, '.cache/onix');
const bundle = join(cacheDir, 'onix.mjs');
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

async function build() {
  const esbuild = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: repo,
    entryPoints: ['onix/cli/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // better-sqlite3 (native) stays external, imported by absolute path so the
    // bundle works wherever the cache lives.
    plugins: [{
      name: 'external-better-sqlite3',
      setup(b) {
        const path = createRequire(join(repo, 'package.json')).resolve('better-sqlite3');
        b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path, external: true }));
      },
    }],
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs).map((path) => {
    const st = statSync(join(repo, path));
    return [path, st.mtimeMs, st.size];
  });
  renameSync(tmp, bundle);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ root: repo, inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}

if (!isFresh()) await build();
await import(pathToFileURL(bundle).href);
