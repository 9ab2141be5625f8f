// What a cached esbuild bundle was built from: every input file's path (relative to the
// repository), mtime and size, recorded beside the bundle with the repository's root. The
// bundle is fresh while every input still matches; any edit, or a checkout elsewhere, rebuilds
// it. Shared by the `onix` bin and `npm run spec` (generator/bin/cached-bundle.js).
'use strict';

const { existsSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Is `bundle` there and built from the files of `repo` as they are now (per `manifest`)? */
function isFresh(bundle, manifest, repo) {
  if (!existsSync(bundle)) return false;
  try {
    const { root, inputs } = JSON.parse(readFileSync(manifest, 'utf8'));
    return (
      root === repo &&
      inputs.every(([path, mtimeMs, size]) => {
        const st = statSync(join(repo, path));
        return st.mtimeMs === mtimeMs && st.size === size;
      })
    );
  } catch {
    return false;
  }
}

/** Record `paths` (relative to `repo`: esbuild's metafile inputs and the launchers) as the inputs of the bundle, atomically. */
function writeInputs(manifest, repo, paths) {
  const inputs = paths.map((path) => {
    const st = statSync(join(repo, path));
    return [path, st.mtimeMs, st.size];
  });
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify({ root: repo, inputs }));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}

module.exports = { isFresh, writeInputs };
