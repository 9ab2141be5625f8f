// Stone files, the download cache and repositories against upstream (AerynOS/os-tools at
// ffff7d4b): where a fetched stone is kept, when a cached one is trusted, how `repo add`
// records a repository and what it prints. Expected values come from reading upstream.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { parseArgs } from '../../onix/moss/args.ts';
import { runMoss } from '../../onix/moss/cli.ts';
import { installStones } from '../../onix/moss/index.ts';
import { baseStones, scratchRoot } from './fixture.ts';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function moss(root: string, ...args: string[]): { code: number; out: string } {
  let out = '';
  const code = runMoss(['-D', root, ...args], { out: (t) => (out += t) });
  return { code, out };
}

test('a fetched stone is kept at cache/downloads/v1/<sha256[..5]>/<sha256[-5..]>/<sha256> after unpacking (client/cache.rs:88-92, 338-348)', () => {
  const s = scratchRoot();
  try {
    const { base } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    const h = sha256(join(s.repo.dir, base.uri!));
    assert.equal(base.hash, h);
    const kept = join(s.root, '.moss/cache/downloads/v1', h.slice(0, 5), h.slice(-5), h);
    assert.ok(existsSync(kept));
    assert.equal(sha256(kept), h);
    // db/install meta records the stone's uri, hash and size (db/meta/schemas/v1_up.sql: uri, hash, download_size).
    const db = new Database(join(s.root, '.moss/db/install'), { readonly: true });
    assert.deepEqual(db.prepare('SELECT uri, hash, download_size AS size FROM meta WHERE package = ?').get(base.id), {
      uri: base.uri,
      hash: h,
      size: readFileSync(kept).length,
    });
    db.close();
  } finally {
    s.dispose();
  }
});

test('a cached download whose sha256 does not match is fetched again; a repository file that does not match is refused (client/cache.rs:98-128, 139-142)', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22 } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    const h = mesa22.hash!;
    const kept = join(s.root, '.moss/cache/downloads/v1', h.slice(0, 5), h.slice(-5), h);
    installStones(s.root, s.repo, [base, mesa22]);
    writeFileSync(kept, 'corrupted');
    rmSync(join(s.root, '.moss/assets'), { recursive: true });
    installStones(s.root, s.repo, [base, mesa22]);
    assert.equal(sha256(kept), h, 'fetched again');
    writeFileSync(kept, 'corrupted');
    writeFileSync(join(s.repo.dir, mesa22.uri!), 'tampered in the repository');
    assert.throws(() => installStones(s.root, s.repo, [base, mesa22]), /has sha256 [0-9a-f]{64}, the index says/);
  } finally {
    s.dispose();
  }
});

test('repo add writes etc/moss/repo.d/<name>.yaml and prints "<name> added"; repo remove and list print as cli/repo.rs does (cli/repo.rs:158-195, 197-230, 244-263; config/src/lib.rs:25-27; repository/mod.rs:47-56)', () => {
  const s = scratchRoot();
  const target = scratchRoot();
  try {
    baseStones(s.repo);
    const uri = `file://${s.repo.dir}/stone.index`;
    assert.deepEqual(moss(target.root, 'repo', 'add', 'mirror', uri, '-c', 'the mirror', '-p', '5'), { code: 0, out: 'mirror added\n' });
    assert.deepEqual(parse(readFileSync(join(target.root, 'etc/moss/repo.d/mirror.yaml'), 'utf8')), {
      mirror: { description: 'the mirror', uri, priority: 5, active: true },
    });
    assert.deepEqual(readdirSync(join(target.root, '.moss/repo/mirror')).sort(), ['index-uri', 'stone.index']);
    assert.equal(moss(target.root, 'repo', 'list').out, ` - mirror = ${uri} [5]\n - local = file://${target.root}/.moss/repo/local/stone.index [0]\n`);
    // Installing from it fetches stones from beside the original index.
    assert.equal(moss(target.root, '-y', 'install', 'hello').code, 0);
    assert.ok(existsSync(join(target.root, 'usr/bin/hello')));
    assert.deepEqual(moss(target.root, 'repo', 'remove', 'mirror'), { code: 0, out: 'mirror removed\n' });
    assert.deepEqual(moss(target.root, 'repo', 'remove', 'mirror'), { code: 1, out: 'mirror not found\n' });
    assert.ok(!existsSync(join(target.root, 'etc/moss/repo.d/mirror.yaml')));
  } finally {
    s.dispose();
    target.dispose();
  }
});

test('repo add refuses what it cannot read, changing nothing', () => {
  const s = scratchRoot();
  try {
    for (const [args, message] of [
      [['repo', 'add', 'x', 'https://example.org/stone.index'], /unsupported repository URI/],
      [['repo', 'add', 'x', `file://${s.root}/nowhere/stone.index`], /no repository index at/],
      [['repo', 'add', '../x', `file://${s.repo.dir}`], /invalid repository name/],
      [['repo', 'add', 'x'], /repo add needs NAME and URI/],
    ] as const)
      assert.throws(() => moss(s.root, ...args), message);
    assert.ok(!existsSync(join(s.root, 'etc/moss')));
  } finally {
    s.dispose();
  }
});

test("moss's flags as upstream's clap declares them (cli/mod.rs:57-58, 83-84; cli/state.rs:36-37, 56; cli/list.rs:25; cli/repo.rs:42-55)", () => {
  assert.deepEqual(
    (({ root, yes, words, skipTriggers, skipBoot }) => ({ root, yes, words, skipTriggers, skipBoot }))(
      parseArgs(['-D/sysroot', 'state', 'activate', '-y', '--skip-triggers', '--skip-boot', '3']),
    ),
    { root: '/sysroot', yes: true, words: ['state', 'activate', '3'], skipTriggers: true, skipBoot: true },
  );
  assert.equal(parseArgs(['--directory', '/x', '--yes-all']).root, '/x');
  assert.equal(parseArgs(['state', 'prune', '-k', '3', '--include-newer']).keep, 3);
  assert.equal(parseArgs(['list', 'installed', '-e']).explicit, true);
  assert.deepEqual((({ comment, priority }) => ({ comment, priority }))(parseArgs(['repo', 'add', 'n', 'u'])), { comment: '...', priority: 0 });
  assert.throws(() => parseArgs(['state', 'prune', '--keep']), /--keep needs a value/);
  assert.throws(() => parseArgs(['--frobnicate']), /unknown option: --frobnicate/);
  assert.throws(() => parseArgs(['-k', 'three']), /invalid keep: three/);
});

test("prune removes the downloads of the packages it drops and keeps the others' (client/prune.rs:176-183)", async () => {
  const { applyPrune } = await import('../../onix/moss/index.ts');
  const s = scratchRoot();
  try {
    const { base, mesa22, mesa25 } = baseStones(s.repo);
    const one = installStones(s.root, s.repo, [base, mesa22]);
    installStones(s.root, s.repo, [base, mesa25]);
    const kept = (h: string) => existsSync(join(s.root, '.moss/cache/downloads/v1', h.slice(0, 5), h.slice(-5), h));
    assert.deepEqual([kept(base.hash!), kept(mesa22.hash!), kept(mesa25.hash!)], [true, true, true]);
    applyPrune(s.root, [one]);
    assert.deepEqual([kept(base.hash!), kept(mesa22.hash!), kept(mesa25.hash!)], [true, false, true]);
  } finally {
    s.dispose();
  }
});
