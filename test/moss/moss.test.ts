import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  activateState,
  activeStateId,
  applyPrune,
  installStones,
  listStates,
  openMossDb,
  mossPaths,
  planPrune,
  sameFile,
  MossError,
} from '../../onix/moss/index.ts';
import { runMoss } from '../../onix/moss/cli.ts';
import { baseStones, scratchRoot, withStates } from './fixture.ts';

process.env.TZ = 'UTC';

const MOSS = join(import.meta.dirname, '../../onix/moss/main.ts');

/** Runs the moss command line in-process, as main.ts does (no terminal: no questions). */
function moss(root: string, ...args: string[]) {
  let stdout = '';
  try {
    const status = runMoss(['-D', root, ...args], { out: (t) => (stdout += t) });
    return { stdout, stderr: '', status };
  } catch (e) {
    if (!(e instanceof MossError)) throw e;
    return { stdout, stderr: `moss: ${e.message}\n`, status: 1 };
  }
}

/** Runs the real entry point in a child process. */
function mossProcess(root: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MOSS, '-D', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A snapshot of what moss owns: tree names, .stateIDs, db rows, boot entries. */
function snapshot(root: string) {
  const p = mossPaths(root);
  const db = openMossDb(p);
  try {
    return {
      active: activeStateId(p),
      roots: readdirSync(p.roots).sort(),
      archivedIds: readdirSync(p.roots)
        .filter((d) => d !== 'staging' && d !== 'isolation')
        .map((d) => readFileSync(join(p.roots, d, 'usr/.stateID'), 'utf8')),
      states: listStates(db).map((s) => s.id),
      entries: readdirSync(p.entries).sort(),
      loader: readFileSync(p.loaderConf, 'utf8'),
    };
  } finally {
    db.close();
  }
}

test('a new state is built from hard links into the content store and the old /usr is archived', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22, mesa25 } = baseStones(s.repo);
    const one = installStones(s.root, s.repo, [base, mesa22]);
    const two = installStones(s.root, s.repo, [base, mesa25], { summary: 'Sync' });
    const p = mossPaths(s.root);
    assert.equal(readFileSync(join(s.root, 'usr/.stateID'), 'utf8'), String(two));
    assert.equal(readFileSync(join(s.root, 'usr/lib/libGL.so.1'), 'utf8'), 'mesa 25.0.7');
    const archived = join(p.roots, String(one), 'usr');
    assert.equal(readFileSync(join(archived, '.stateID'), 'utf8'), String(one));
    assert.equal(readFileSync(join(archived, 'lib/libGL.so.1'), 'utf8'), 'mesa 22.3.6');
    // Unchanged content is one inode shared by both states and the store.
    assert.ok(sameFile(join(s.root, 'usr/lib/libLLVM-15.so.1'), join(archived, 'lib/libLLVM-15.so.1')));
    assert.ok(statSync(join(s.root, 'usr/lib/libLLVM-15.so.1')).nlink >= 3);
    assert.ok(!sameFile(join(s.root, 'usr/lib/libGL.so.1'), join(archived, 'lib/libGL.so.1')));
    // Boot entries for the active state and the older one, loader.conf a glob over them.
    assert.deepEqual(readdirSync(p.entries).sort(), [`onix-6.1.0-test-${one}.conf`, `onix-6.1.0-test-${two}.conf`]);
    assert.match(
      readFileSync(join(p.entries, `onix-6.1.0-test-${two}.conf`), 'utf8'),
      new RegExp(`options root=/dev/vda rw console=ttyS0 quiet moss.fstx=${two}\\n`),
    );
    assert.match(readFileSync(join(p.entries, `onix-6.1.0-test-${two}.conf`), 'utf8'), /^linux \/EFI\/onix\/6\.1\.0-test\/vmlinuz$/m);
    assert.equal(readFileSync(join(s.root, 'boot/EFI/onix/6.1.0-test/vmlinuz'), 'utf8'), 'kernel');
    assert.equal(readFileSync(p.loaderConf, 'utf8'), 'default "onix*"\n');
    assert.equal(readFileSync(join(s.root, 'usr/lib64/libGL.so.1'), 'utf8'), 'mesa 25.0.7', 'symlink entries are made');
  } finally {
    s.dispose();
  }
});

test('moss state activate swaps /usr atomically, archives the old state and moves the default entry', () => {
  const s = scratchRoot();
  try {
    const [one, two] = withStates(s, 2);
    const r = moss(s.root, 'state', 'activate', String(one));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `State ${one} activated (${two} archived)\n`);
    assert.equal(r.status, 0);
    const snap = snapshot(s.root);
    assert.equal(snap.active, one);
    assert.deepEqual(snap.roots, [String(two), 'isolation', 'staging']);
    assert.deepEqual(snap.archivedIds, [String(two)]);
    // The newer state 2 loses its entry: entries are the active state and older ones.
    assert.deepEqual(snap.entries, [`onix-6.1.0-test-${one}.conf`]);
    // and back
    assert.equal(moss(s.root, 'state', 'activate', String(two)).status, 0);
    assert.equal(snapshot(s.root).active, two);
    assert.deepEqual(snapshot(s.root).roots, [String(one), 'isolation', 'staging']);
  } finally {
    s.dispose();
  }
});

test('activating a bad id, the active id, or garbage changes nothing', () => {
  const s = scratchRoot();
  try {
    const [, two] = withStates(s, 2);
    const before = snapshot(s.root);
    for (const [arg, message] of [
      ['99', /^moss: State 99 does not exist\n$/],
      [String(two), new RegExp(`^moss: State ${two} is already active\\n$`)],
      ['abc', /^moss: invalid state id: abc\n$/],
    ] as const) {
      const r = moss(s.root, 'state', 'activate', arg);
      assert.equal(r.status, 1);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(snapshot(s.root), before);
    assert.throws(() => activateState(s.root, 42), MossError);
    assert.deepEqual(snapshot(s.root), before);
  } finally {
    s.dispose();
  }
});

test("moss state list prints every state newest first in moss's shape", () => {
  const s = scratchRoot();
  try {
    withStates(s, 2);
    const r = moss(s.root, 'state', 'list');
    assert.equal(r.status, 0);
    // TZ=UTC (set above): chrono's %Z on a local time prints the offset.
    assert.equal(
      r.stdout,
      'State #2 - Install\nCreated: 2023-11-14 22:13:21 +00:00\nPackages: 2\n\n' + 'State #1 - Install\nCreated: 2023-11-14 22:13:20 +00:00\nPackages: 2\n\n',
    );
    assert.equal(moss(s.root, 'state', 'active').stdout.split('\n')[0], 'State #2 - Install');
    assert.equal(moss(s.root, 'state', 'query', '1').stdout.split('\n')[0], 'State #1 - Install');
    assert.equal(moss(s.root, 'state', 'query', '7').status, 1);
  } finally {
    s.dispose();
  }
});

test('prune removes only states older than the active one, keeping keep - 1 of them', () => {
  const s = scratchRoot();
  try {
    const ids = withStates(s, 5);
    assert.deepEqual(
      planPrune(s.root, { keepRecent: 2 }).map((st) => st.id),
      [ids[0], ids[1], ids[2]],
    );
    const r = moss(s.root, 'state', 'prune', '-k', '2');
    assert.equal(r.status, 1, 'no -y and no terminal: refuses');
    assert.match(r.stderr, /rerun with -y/);
    assert.equal(snapshot(s.root).states.length, 5);
    const ok = moss(s.root, '-y', 'state', 'prune', '-k', '2');
    assert.equal(ok.status, 0, ok.stderr);
    const removed = [0, 1, 2].map((i) => `Removed "${join(s.root, '.moss/root', String(ids[i]))}"\n`).join('');
    assert.equal(ok.stdout, `The following state(s) will be removed:\n\nState 1 State 2 State 3 \n\n\n${removed}`);
    const snap = snapshot(s.root);
    assert.deepEqual(snap.states, [ids[3], ids[4]]);
    assert.deepEqual(snap.roots, [String(ids[3]), 'isolation', 'staging']);
    // Active state 1: nothing is older, so nothing is removed and nothing printed.
    activateState(s.root, ids[3]);
    const none = moss(s.root, '-y', 'state', 'prune', '-k', '1');
    assert.deepEqual([none.status, none.stdout], [0, '']);
    assert.deepEqual(snapshot(s.root).states, [ids[3], ids[4]]);
    // --include-newer counts the newer state too.
    const newer = moss(s.root, '-y', 'state', 'prune', '-k', '1', '--include-newer');
    assert.equal(newer.status, 0, newer.stderr);
    assert.deepEqual(snapshot(s.root).states, [ids[3]]);
    assert.equal(moss(s.root, 'state', 'prune', '-k', '0').status, 1);
  } finally {
    s.dispose();
  }
});

test('prune drops packages and assets no kept state uses, and keeps shared ones', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22, mesa25 } = baseStones(s.repo);
    const one = installStones(s.root, s.repo, [base, mesa22]);
    installStones(s.root, s.repo, [base, mesa25]);
    const p = mossPaths(s.root);
    const count = () => readdirSync(p.assets, { recursive: true }).filter((f) => String(f).split('/').at(-1)!.length > 10).length;
    const before = count();
    const r = applyPrune(s.root, [one]);
    assert.equal(r.packagesRemoved, 1);
    assert.equal(r.assetsRemoved, 1, 'only mesa 22 libGL is orphaned; LLVM is shared');
    assert.equal(count(), before - 1);
    assert.ok(!existsSync(join(p.roots, String(one))));
    assert.equal(readFileSync(join(s.root, 'usr/lib/libLLVM-15.so.1'), 'utf8'), 'llvm 15 (shared by both mesas)');
    assert.throws(() => applyPrune(s.root, [activeStateId(p)!]), /active/);
  } finally {
    s.dispose();
  }
});

test('moss install and moss sync create states from the local repository', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22 } = baseStones(s.repo);
    installStones(s.root, s.repo, [base, mesa22]);
    const inst = moss(s.root, '-y', 'install', 'hello');
    assert.equal(inst.status, 0, inst.stderr);
    assert.equal(inst.stdout, 'The following package(s) will be installed:\n\nhello     1-1   libhello  1-1   \n\n');
    assert.equal(readFileSync(join(s.root, 'usr/lib/libhello.so'), 'utf8'), 'libhello');
    assert.equal(moss(s.root, '-y', 'install', 'hello').stdout, 'The following package(s) are already installed:\n\nhello  1-1   \n');
    assert.match(moss(s.root, '-y', 'install', 'nope').stderr, /^moss: no such package in the local repositories: nope\n$/);
    const sync = moss(s.root, '-y', 'sync');
    assert.equal(sync.status, 0, sync.stderr);
    assert.equal(sync.stdout, 'The following packages will be updated: \n\nmesa  22.3.6-1 -> 25.0.7-2   \n\n');
    assert.equal(readFileSync(join(s.root, 'usr/lib/libGL.so.1'), 'utf8'), 'mesa 25.0.7');
    assert.equal(
      moss(s.root, 'state', 'active').stdout,
      `State #3 - Sync\nCreated: ${moss(s.root, 'state', 'active').stdout.split('\n')[1].slice(9)}\nPackages: 4\n\n`,
    );
    assert.equal(moss(s.root, '-y', 'sync').stdout, 'No packages to sync\n');
    const rm = moss(s.root, '-y', 'remove', 'hello');
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal(rm.stdout, 'The following package(s) will be removed:\n\nhello     1-1   libhello  1-1   \n\nRemoved hello\nRemoved libhello\n');
    assert.ok(!existsSync(join(s.root, 'usr/lib/libhello.so')));
    assert.equal(moss(s.root, 'state', 'active').stdout.split('\n')[0], 'State #4 - Remove');
  } finally {
    s.dispose();
  }
});

test('the moss entry point prints errors in one line and activates for real', () => {
  const r = mossProcess('/nonexistent-root', 'state', 'list');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'moss: not a moss root: /nonexistent-root (no /nonexistent-root/.moss/db/state)\n');
  const s = scratchRoot();
  try {
    const [one, two] = withStates(s, 2);
    const a = mossProcess(s.root, 'state', 'activate', String(one));
    assert.equal(a.stdout, `State ${one} activated (${two} archived)\n`);
    assert.equal(a.status, 0);
    assert.equal(readFileSync(join(s.root, 'usr/.stateID'), 'utf8'), String(one));
  } finally {
    s.dispose();
  }
});
