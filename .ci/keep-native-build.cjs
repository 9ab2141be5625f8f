// better-sqlite3's install script asks prebuild-install for a prebuilt binary, and GitHub, where
// those are published, is out of this machine's reach, so `npm ci` compiles SQLite with node-gyp
// (most of a fresh clone's set-up on 2 cores). This keeps that compile where prebuild-install
// looks before it downloads: its cache in npm's cache folder, under the name its own functions
// give for this version, Node ABI, platform and architecture. Later installs, in any clone on
// this machine, unpack it instead of compiling. Only a binary this Node loads is kept.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, renameSync } = require('node:fs');
const { dirname, join } = require('node:path');

const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
const addon = join(pkgDir, 'build/Release/better_sqlite3.node');
const pkg = require(join(pkgDir, 'package.json'));
const util = require(require.resolve('prebuild-install/util', { paths: [pkgDir] }));
const rc = require(require.resolve('prebuild-install/rc', { paths: [pkgDir] }))(pkg);
const cached = util.cachedPrebuild(util.getDownloadUrl({ ...rc, pkg }));

if (existsSync(cached)) process.exit(0);
require(addon); // throws (and keeps nothing) if this Node cannot load it
mkdirSync(dirname(cached), { recursive: true });
const tmp = `${cached}.${process.pid}.tmp`;
execFileSync('tar', ['-czf', tmp, '-C', pkgDir, 'build/Release/better_sqlite3.node']);
renameSync(tmp, cached);
console.log(`kept better-sqlite3's compiled addon for later installs: ${cached}`);
