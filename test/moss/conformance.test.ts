// The moss stand-in against upstream, one rule per test. Expected values come from
// reading upstream (AerynOS/os-tools at ffff7d4b, AerynOS/blsforme at a09fa78); each test
// cites the file and lines it encodes. The stand-in's output is never the reference.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { activateState, applyPrune, assetName, installStones, mossPaths, openMossDb, planPrune, xxh3Bytes } from '../../onix/moss/index.ts';
import { runMoss } from '../../onix/moss/cli.ts';
import { autoprintColumns, stateColumn } from '../../onix/moss/columns.ts';
import { baseStones, scratchRoot, withStates } from './fixture.ts';

process.env.TZ = 'UTC';

function moss(root: string, ...args: string[]): string {
  let out = '';
  runMoss(['-D', root, ...args], { out: (t) => (out += t) });
  return out;
}

function sqlite(file: string): Database.Database {
  return new Database(file, { readonly: true });
}

test('state.type is "transaction" (os-tools moss/src/state.rs:25-31 strum kebab-case Kind::Transaction; db/state/mod.rs:63-64)', () => {
  const s = scratchRoot();
  try {
    withStates(s, 1);
    const db = sqlite(join(s.root, '.moss/db/state'));
    assert.deepEqual(db.prepare('SELECT DISTINCT type FROM state').all(), [{ type: 'transaction' }]);
    db.close();
  } finally {
    s.dispose();
  }
});

test('each database is at PRAGMA user_version 1 with upstream v1 tables, meta_conflicts included (db/migrations.rs:53-59; db/meta/schemas/v1_up.sql:41-46)', () => {
  const s = scratchRoot();
  try {
    const tables = (f: string) => {
      const db = sqlite(join(s.root, '.moss/db', f));
      const r = {
        version: db.pragma('user_version', { simple: true }),
        tables: (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(
          (t) => t.name,
        ),
      };
      db.close();
      return r;
    };
    assert.deepEqual(tables('state'), { version: 1, tables: ['state', 'state_selections'] });
    assert.deepEqual(tables('install'), { version: 1, tables: ['meta', 'meta_conflicts', 'meta_dependencies', 'meta_licenses', 'meta_providers'] });
    assert.deepEqual(tables('layout'), { version: 1, tables: ['layout'] });
  } finally {
    s.dispose();
  }
});

test('layout rows: regular = (decimal XXH3-128, path), directory = (path, NULL) (db/layout/types.rs:39-53)', () => {
  const s = scratchRoot();
  try {
    const { base } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    const db = sqlite(join(s.root, '.moss/db/layout'));
    const sh = db.prepare("SELECT entry_value1 AS v1, entry_value2 AS v2 FROM layout WHERE entry_type = 'regular' AND entry_value2 = 'bin/sh'").get() as {
      v1: string;
      v2: string;
    };
    // XXH3-128 of the file's bytes, as u128 `to_string()` (decimal).
    assert.equal(sh.v1, BigInt(`0x${xxh3Hex(Buffer.from('#!/bin/sh\necho base\n'))}`).toString(10));
    const dir = db.prepare("SELECT entry_value1 AS v1, entry_value2 AS v2 FROM layout WHERE entry_type = 'directory' AND entry_value1 = 'bin'").get();
    assert.deepEqual(dir, { v1: 'bin', v2: null });
    db.close();
  } finally {
    s.dispose();
  }
});

/** XXH3-128 by the reference C library (Debian's libxxhash0, XXH3_128bits), through python3's ctypes. */
function xxh3Hex(bytes: Buffer): string {
  const py = `import ctypes,sys
l=ctypes.CDLL('libxxhash.so.0')
class H(ctypes.Structure): _fields_=[('lo',ctypes.c_uint64),('hi',ctypes.c_uint64)]
l.XXH3_128bits.restype=H
d=sys.stdin.buffer.read(); h=l.XXH3_128bits(d,len(d)); print('%016x%016x'%(h.hi,h.lo))`;
  const r = spawnSync('python3', ['-c', py], { input: bytes, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the content hash is XXH3-128: reference vectors and the reference C library agree with it', () => {
  // xxHash's own vectors for XXH3_128bits, seed 0: "" and "abc".
  assert.equal(BigInt(xxh3Bytes(new Uint8Array(0))).toString(16), '99aa06d3014798d86001c324468d497f');
  assert.equal(
    BigInt(xxh3Bytes(Buffer.from('abc')))
      .toString(16)
      .padStart(32, '0'),
    '06b05ab6733a618578af5f94892f3950',
  );
  for (const len of [1, 16, 17, 128, 129, 240, 241, 1024, 70_000]) {
    const buf = Buffer.alloc(len, 0).map((_, i) => (i * 31 + len) & 0xff);
    assert.equal(BigInt(xxh3Bytes(buf)).toString(16).padStart(32, '0'), xxh3Hex(Buffer.from(buf)), `length ${len}`);
  }
});

test('assets live at .moss/assets/v2/aa/bb/cc/<hex>, named format!("{:02x}") (client/cache.rs:261, 351-363)', () => {
  const s = scratchRoot();
  try {
    const { base } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    const db = sqlite(join(s.root, '.moss/db/layout'));
    const rows = db.prepare("SELECT entry_value1 AS h, entry_value2 AS path FROM layout WHERE entry_type = 'regular'").all() as { h: string; path: string }[];
    db.close();
    for (const r of rows) {
      const hex = BigInt(r.h).toString(16);
      assert.equal(assetName(r.h), hex.length < 2 ? hex.padStart(2, '0') : hex);
      const file =
        hex.length >= 10 ? join(s.root, '.moss/assets/v2', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex) : join(s.root, '.moss/assets/v2', hex);
      assert.equal(statSync(file).ino, statSync(join(s.root, 'usr', r.path)).ino, r.path);
    }
  } finally {
    s.dispose();
  }
});

test('activation: root/<new> -> staging, exchange with /usr, staging/usr -> root/<old>/usr; isolation and lockfile (client/mod.rs:355-369, 581-617; installation.rs:169-171, 192-195)', () => {
  const s = scratchRoot();
  try {
    const [one, two] = withStates(s, 2);
    const p = mossPaths(s.root);
    assert.ok(lstatSync(join(s.root, '.moss/.moss-lockfile')).isFile());
    assert.ok(statSync(join(s.root, '.moss/root/isolation')).isDirectory());
    const usrIno = statSync(join(s.root, '.moss/root', String(one), 'usr')).ino;
    activateState(s.root, one);
    // The very tree that was archived is now /usr (renamed, never copied); staging is left empty.
    assert.equal(statSync(p.usr).ino, usrIno);
    assert.deepEqual(readdirSync(p.staging), []);
    assert.ok(!existsSync(join(s.root, '.moss/root', String(one))));
    assert.equal(readFileSync(join(s.root, '.moss/root', String(two), 'usr/.stateID'), 'utf8'), String(two));
  } finally {
    s.dispose();
  }
});

test('root links: sbin, bin, lib -> usr/*, lib64 -> usr/lib, lib32 -> usr/lib32 (client/mod.rs:936-943)', () => {
  const s = scratchRoot();
  try {
    for (const [link, target] of [
      ['sbin', 'usr/sbin'],
      ['bin', 'usr/bin'],
      ['lib', 'usr/lib'],
      ['lib64', 'usr/lib'],
      ['lib32', 'usr/lib32'],
    ])
      assert.equal(readlinkSync(join(s.root, link)), target, link);
  } finally {
    s.dispose();
  }
});

test('boot entries: <os-id>-<kver>-<fstx>.conf for the active state and at most 4 older ones; loader.conf default "<id>*" (client/boot.rs:124-143; blsforme entry.rs:126-139, systemd_boot/mod.rs:113)', () => {
  const s = scratchRoot();
  try {
    const ids = withStates(s, 7);
    const p = mossPaths(s.root);
    const names = (list: number[]) => list.map((i) => `onix-6.1.0-test-${i}.conf`).sort();
    assert.deepEqual(readdirSync(p.entries).sort(), names([7, 6, 5, 4, 3]));
    assert.equal(readFileSync(p.loaderConf, 'utf8'), 'default "onix*"\n');
    activateState(s.root, ids[3]);
    // Active 4: its entry and the older 3, 2, 1; newer states (5, 6, 7) get none.
    assert.deepEqual(readdirSync(p.entries).sort(), names([4, 3, 2, 1]));
    const text = readFileSync(join(p.entries, 'onix-6.1.0-test-4.conf'), 'utf8');
    // blsforme systemd_boot/mod.rs:346-350: title, linux, blank line, initrd, options; only *.initrd files are initrds (kernel.rs:321-337).
    assert.equal(
      text,
      'title ONIX (6.1.0-test)\nlinux /EFI/onix/6.1.0-test/vmlinuz\n\ninitrd /EFI/onix/6.1.0-test/10-onix.initrd\noptions root=/dev/vda rw console=ttyS0 quiet moss.fstx=4\n',
    );
  } finally {
    s.dispose();
  }
});

test('prune: only states older than the active one, keep - 1 of them stay; nothing printed when nothing goes (client/prune.rs:64-101)', () => {
  const s = scratchRoot();
  try {
    const ids = withStates(s, 4);
    activateState(s.root, ids[2]);
    assert.deepEqual(
      planPrune(s.root, { keepRecent: 2 }).map((x) => x.id),
      [ids[0]],
    );
    assert.deepEqual(
      planPrune(s.root, { keepRecent: 2, includeNewer: true }).map((x) => x.id),
      [ids[0], ids[1]],
    );
    assert.equal(moss(s.root, '-y', 'state', 'prune', '-k', '3'), '');
    // The list of states is upstream's column printer over "State <id>" (prune.rs:149-152; crates/tui/src/pretty.rs:44-76).
    assert.equal(autoprintColumns([1, 2, 10].map(stateColumn)), 'State 1  State 2  State 10 \n');
    applyPrune(s.root, [ids[0]]);
    assert.ok(!existsSync(join(s.root, '.moss/root', String(ids[0]))));
  } finally {
    s.dispose();
  }
});

test('sync records summary "Sync" and no description, and prints "will be updated" (client/sync.rs:94-110, 205; client/mod.rs:430)', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22 } = baseStones(s.repo);
    installStones(s.root, s.repo, [base, mesa22]);
    const out = moss(s.root, '-y', 'sync');
    assert.match(out, /^The following packages will be updated: \n\nmesa {2}22\.3\.6-1 -> 25\.0\.7-2 {3}\n\n$/);
    const db = openMossDb(mossPaths(s.root));
    assert.deepEqual(db.state.prepare('SELECT summary, description FROM state WHERE id = 2').get(), { summary: 'Sync', description: null });
    db.close();
  } finally {
    s.dispose();
  }
});

test('state list prints Description only when set; activate prints "State N activated (M archived)" (cli/state.rs:151-155, 276-286)', () => {
  const s = scratchRoot();
  try {
    const { base, mesa22 } = baseStones(s.repo);
    installStones(s.root, s.repo, [base, mesa22], { summary: 'Install', description: 'first', created: 1_700_000_000 });
    installStones(s.root, s.repo, [base, mesa22], { summary: 'Install', created: 1_700_000_060 });
    assert.equal(
      moss(s.root, 'state', 'list'),
      'State #2 - Install\nCreated: 2023-11-14 22:14:20 +00:00\nPackages: 2\n\nState #1 - Install\nCreated: 2023-11-14 22:13:20 +00:00\nDescription: first\nPackages: 2\n\n',
    );
    assert.equal(moss(s.root, 'state', 'activate', '1', '--skip-triggers', '--skip-boot'), 'State 1 activated (2 archived)\n');
  } finally {
    s.dispose();
  }
});

test('state verify: assets hash to their names and every state path exists with its hash (client/verify.rs:27, 112, 207-221, 367-372)', () => {
  const s = scratchRoot();
  try {
    const { base } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    assert.equal(moss(s.root, 'state', 'verify'), 'Verifying assets\nVerifying states\nNo issues found\n');
    const db = sqlite(join(s.root, '.moss/db/layout'));
    const { h } = db.prepare("SELECT entry_value1 AS h FROM layout WHERE entry_value2 = 'bin/sh'").get() as { h: string };
    db.close();
    // One inode for the asset and /usr/bin/sh: corrupting it shows in both places.
    writeFileSync(join(s.root, 'usr/bin/sh'), 'tampered\n');
    let out = '';
    assert.throws(() => runMoss(['-D', s.root, 'state', 'verify'], { out: (t) => (out += t) }), /repairing is not part of the moss stand-in/);
    assert.equal(
      out,
      `Verifying assets\nVerifying states\nFound 2 issues\n × Corrupt asset ${BigInt(h).toString(16).padStart(32, '0')} - {"bin/sh"}\n × Corrupt path ${join(s.root, 'usr/bin/sh')} in state #1\n`,
    );
  } finally {
    s.dispose();
  }
});

test('sync drops dependencies the new selection no longer needs: "orphaned packages will be removed" (client/sync.rs:76-80, 106-110)', async () => {
  const { addStone } = await import('./fixture.ts');
  const s = scratchRoot();
  try {
    const { base } = baseStones(s.repo);
    installStones(s.root, s.repo, [base]);
    moss(s.root, '-y', 'install', 'hello');
    addStone(s.repo, { name: 'hello', release: 2 }, { 'bin/hello': '#!/bin/sh\necho hello, alone\n' });
    const out = moss(s.root, '-y', 'sync');
    assert.equal(
      out,
      'The following packages will be updated: \n\nhello  1-1 -> 1-2   \n\nThe following orphaned packages will be removed: \n\nlibhello  1-1   \n\n',
    );
    assert.ok(!existsSync(join(s.root, 'usr/lib/libhello.so')));
    // cli/list.rs:119-145: size = name + version + release, max = largest + 2, then
    // "{name} {:width$} " with width = max - size + 2: "base" + 7 spaces, "hello" + 6.
    assert.equal(moss(s.root, 'list', 'installed'), 'base       1-1 - base\nhello      1-2 - hello\n');
  } finally {
    s.dispose();
  }
});
