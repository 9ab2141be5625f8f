// A machine plane written by hand in upstream moss's format, never by the moss stand-in:
// the databases from upstream's v1 migrations (os-tools moss/src/db/*/schemas/v1_up.sql,
// user_version 1 per moss/src/db/migrations.rs), `type` "transaction" (moss/src/state.rs),
// layout rows (decimal XXH3-128 hash, path) / (path, NULL) (db/layout/types.rs), hashes by
// the reference C xxHash (libxxhash, through python3's ctypes), assets at
// .moss/assets/v2/aa/bb/cc/<hex> (client/cache.rs), archived trees at .moss/root/<id>/usr,
// blsforme's entries and `default "onix*"`. The /nix plane and /etc come from the fixture
// builder, whose machine plane is deleted first. onix status, owner, doctor and gc --dry-run
// must read it right, and onix mirror must find its stones in the download cache.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { cleanup, lines, makeRoot, mossBinDir, onix, startDaemon, tempDir } from './helpers.ts';

const KERNEL = '6.1.0-28-amd64';
const INDEX_BASE = 'https://packages.example/x86_64/';

const STATE_SQL = `CREATE TABLE IF NOT EXISTS state (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, created BIGINT NOT NULL DEFAULT (unixepoch()), summary TEXT NULL, description TEXT NULL);
CREATE TABLE IF NOT EXISTS state_selections (state_id INTEGER NOT NULL, package_id TEXT NOT NULL, explicit BOOLEAN NOT NULL, reason TEXT NULL, PRIMARY KEY(state_id, package_id), FOREIGN KEY(state_id) REFERENCES state(id) ON DELETE CASCADE);`;
const META_SQL = `CREATE TABLE IF NOT EXISTS meta (package TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, version_identifier TEXT NOT NULL, source_release INT NOT NULL, build_release INT NOT NULL, architecture TEXT NOT NULL, summary TEXT NOT NULL, description TEXT NOT NULL, source_id TEXT NOT NULL, homepage TEXT NOT NULL, uri TEXT NULL, hash TEXT NULL, download_size BIGINT NULL);
CREATE TABLE IF NOT EXISTS meta_licenses (package TEXT NOT NULL, license TEXT NOT NULL, PRIMARY KEY (package, license), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS meta_dependencies (package TEXT NOT NULL, dependency TEXT NOT NULL, PRIMARY KEY (package, dependency), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS meta_providers (package TEXT NOT NULL, provider TEXT NOT NULL, PRIMARY KEY (package, provider), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS meta_conflicts (package TEXT NOT NULL, conflict TEXT NOT NULL, PRIMARY KEY (package, conflict), FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE);`;
const LAYOUT_SQL = `CREATE TABLE IF NOT EXISTS layout (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, package_id TEXT NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, mode INTEGER NOT NULL, tag INTEGER NOT NULL, entry_type TEXT NOT NULL, entry_value1 TEXT NULL, entry_value2 TEXT NULL);`;

/** Reference XXH3-128 (libxxhash) of each file, as decimal u128 strings. */
function xxh3Decimal(files: string[]): string[] {
  const py = `import ctypes,sys
l=ctypes.CDLL('libxxhash.so.0')
class H(ctypes.Structure): _fields_=[('lo',ctypes.c_uint64),('hi',ctypes.c_uint64)]
l.XXH3_128bits.restype=H
for f in sys.stdin.read().split('\\0'):
  if not f: continue
  d=open(f,'rb').read(); h=l.XXH3_128bits(d,len(d)); print((h.hi<<64)|h.lo)`;
  const r = spawnSync('python3', ['-c', py], { input: files.join('\0'), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

function openDb(file: string, sql: string): Database.Database {
  const db = new Database(file);
  db.exec(sql);
  db.pragma('user_version = 1');
  return db;
}

/** A stand-in for a package's stone file: its bytes, sha256 and file name (boulder's, emit.rs:56-61). */
function stoneOf(name: string, version: string): { bytes: Buffer; hash: string; file: string } {
  const file = `${name}-${version}-1-1-x86_64.stone`;
  const bytes = Buffer.from(`\0mos stone ${file}\n`);
  return { bytes, hash: createHash('sha256').update(bytes).digest('hex'), file };
}

/** Rewrites fx.root's machine plane by hand; `trees` are the /usr trees of states 1..3 (3 active). */
function writeMachinePlane(root: string, trees: string[]): void {
  const moss = join(root, '.moss');
  for (const d of ['db', 'cache', 'assets/v2', 'repo', 'root/staging', 'root/isolation']) mkdirSync(join(moss, d), { recursive: true });
  writeFileSync(join(moss, '.moss-lockfile'), '');
  const state = openDb(join(moss, 'db/state'), STATE_SQL);
  const meta = openDb(join(moss, 'db/install'), META_SQL);
  const layout = openDb(join(moss, 'db/layout'), LAYOUT_SQL);
  const mesa = ['22.3.6', '22.3.6', '25.0.7'];
  const summaries = ['Install', 'Install', 'Sync'];
  const addMeta = (pkg: string, name: string, version: string) =>
    meta.prepare('INSERT OR IGNORE INTO meta VALUES (?, ?, ?, 1, 1, ?, ?, ?, ?, ?, NULL, NULL, NULL)').run(pkg, name, version, 'x86_64', name, name, name, '');
  trees.forEach((usr, i) => {
    const id = i + 1;
    state
      .prepare('INSERT INTO state (id, type, created, summary, description) VALUES (?, ?, ?, ?, NULL)')
      .run(id, 'transaction', 1_764_000_000 + id * 3600, summaries[i]);
    // manager.rs:499-504: a package's id is its PackageHash, the sha256 of its stone file.
    const base = stoneOf('base', String(id)).hash;
    const mesaPkg = stoneOf('mesa', mesa[i]).hash;
    addMeta(base, 'base', String(id));
    addMeta(mesaPkg, 'mesa', mesa[i]);
    for (const pkg of [base, mesaPkg]) state.prepare('INSERT INTO state_selections VALUES (?, ?, 1, NULL)').run(id, pkg);
    const entries: { rel: string; kind: 'dir' | 'file' | 'link'; full: string; mode: number }[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const full = join(dir, name);
        const st = lstatSync(full);
        const rel = relative(usr, full);
        if (rel === '.stateID') continue;
        entries.push({ rel, full, mode: st.mode, kind: st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file' });
        if (st.isDirectory()) walk(full);
      }
    };
    walk(usr);
    const files = entries.filter((e) => e.kind === 'file');
    const hashes = xxh3Decimal(files.map((f) => f.full));
    const insert = layout.prepare(
      'INSERT INTO layout (package_id, uid, gid, mode, tag, entry_type, entry_value1, entry_value2) VALUES (?, 0, 0, ?, 0, ?, ?, ?)',
    );
    for (const e of entries) {
      if (e.kind === 'dir') insert.run(base, e.mode, 'directory', e.rel, null);
      else if (e.kind === 'link') insert.run(base, e.mode, 'symlink', spawnSync('readlink', [e.full], { encoding: 'utf8' }).stdout.trim(), e.rel);
    }
    files.forEach((f, k) => {
      insert.run(base, f.mode, 'regular', hashes[k], f.rel);
      const hex = BigInt(hashes[k]).toString(16);
      const asset = join(moss, 'assets/v2', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6), hex);
      mkdirSync(join(asset, '..'), { recursive: true });
      try {
        linkSync(f.full, asset);
      } catch {
        /* the same content from an earlier state: already stored */
      }
    });
    writeFileSync(join(usr, '.stateID'), String(id));
    if (id !== trees.length) {
      mkdirSync(join(moss, 'root', String(id)), { recursive: true });
      renameSync(usr, join(moss, 'root', String(id), 'usr'));
    } else renameSync(usr, join(root, 'usr'));
  });
  // client/cache.rs: each fetched stone stays at cache/downloads/v1/<sha256[..5]>/<sha256[-5..]>/<sha256>;
  // registry/plugin/repository.rs:38-39: meta.uri is the index's relative URI resolved against the
  // index's; manager.rs:539 keeps that index URI in `index-uri` beside the cached index.
  for (const { name, version } of meta.prepare('SELECT name, version_identifier AS version FROM meta').all() as { name: string; version: string }[]) {
    const { bytes, hash, file } = stoneOf(name, version);
    const download = join(moss, 'cache/downloads/v1', hash.slice(0, 5), hash.slice(-5), hash);
    mkdirSync(join(download, '..'), { recursive: true });
    writeFileSync(download, bytes);
    meta.prepare('UPDATE meta SET uri = ?, hash = ?, download_size = ? WHERE package = ?').run(`${INDEX_BASE}pool/${file}`, hash, bytes.length, hash);
  }
  mkdirSync(join(moss, 'repo/5e3a91c2d07b4f68'), { recursive: true });
  writeFileSync(join(moss, 'repo/5e3a91c2d07b4f68/stone.index'), '\0mos index payloads\n');
  writeFileSync(join(moss, 'repo/5e3a91c2d07b4f68/index-uri'), `${INDEX_BASE}stone.index`);
  state.close();
  meta.close();
  layout.close();
  // blsforme: entries for the active state 3 and the older 1 and 2; loader.conf a glob.
  mkdirSync(join(root, 'boot/loader/entries'), { recursive: true });
  mkdirSync(join(root, 'boot/EFI/onix', KERNEL), { recursive: true });
  writeFileSync(join(root, 'boot/EFI/onix', KERNEL, 'vmlinuz'), 'kernel');
  for (const id of [1, 2, 3])
    writeFileSync(
      join(root, 'boot/loader/entries', `onix-${KERNEL}-${id}.conf`),
      `title ONIX (${KERNEL})\nlinux /EFI/onix/${KERNEL}/vmlinuz\n\noptions root=/dev/vda rw quiet moss.fstx=${id}\n`,
    );
  writeFileSync(join(root, 'boot/loader/loader.conf'), 'default "onix*"\n');
  // blsforme systemd_boot/mod.rs:84-102: the active state's systemd-boot on the ESP, twice.
  const loader = readFileSync(join(root, 'usr/lib/systemd/boot/efi/systemd-bootx64.efi'));
  for (const f of ['EFI/Boot/BOOTX64.EFI', 'EFI/systemd/systemd-bootx64.efi']) {
    mkdirSync(join(root, 'efi', f, '..'), { recursive: true });
    writeFileSync(join(root, 'efi', f), loader);
  }
}

describe('onix on a machine plane written by hand in upstream format', () => {
  let root: string;
  let daemon: { stop: () => Promise<void> };
  before(async () => {
    const fx = makeRoot();
    root = fx.root;
    // Keep plain copies of the three /usr trees (just files), then drop everything moss-made.
    const copies = tempDir('onix-upstream-trees-');
    const trees = [1, 2].map((id) => join(root, '.moss/root', String(id), 'usr')).concat(join(root, 'usr'));
    for (const [i, t] of trees.entries()) cpSync(t, join(copies, String(i + 1)), { recursive: true, verbatimSymlinks: true });
    for (const d of ['.moss', 'boot', 'efi', 'usr']) rmSync(join(root, d), { recursive: true, force: true });
    writeMachinePlane(
      root,
      [1, 2, 3].map((i) => join(copies, String(i))),
    );
    daemon = await startDaemon(root);
  });
  after(async () => {
    await daemon.stop();
    cleanup();
  });

  it("onix status reads the active state, the glob default entry and the install db's Mesa", () => {
    const r = onix(['--root', root, 'status']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      'active fstx: 3',
      `boot entry:  onix-${KERNEL}-3.conf`,
      'nix daemon:  healthy',
      'etc drift:   2 local overrides',
      'opengl:      coherent, Mesa 25.0.7',
    ]);
    const j = JSON.parse(onix(['--root', root, '--json', 'status']).stdout);
    assert.deepEqual(
      j.states.map((s: { id: number; type: string; archived: boolean }) => [s.id, s.type, s.archived]),
      [
        [1, 'transaction', true],
        [2, 'transaction', true],
        [3, 'transaction', false],
      ],
    );
  });

  it('onix owner names moss for its surfaces', () => {
    for (const p of ['/usr/lib', '/.moss/assets/v2', '/boot/EFI/onix'])
      assert.equal(
        lines(onix(['--root', root, 'owner', p]).stdout)[0]
          .split(/\s+/)
          .includes('moss'),
        true,
        p,
      );
  });

  it('onix doctor passes every check', () => {
    const r = onix(['--root', root, 'doctor']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(lines(r.stdout).at(-1)!, /^\d+ checks, all passed$/);
  });

  it('onix gc --dry-run plans upstream prune: only states older than the active one', () => {
    const env = { PATH: `${mossBinDir()}:${process.env.PATH}` };
    const r = onix(['--root', root, 'gc', '--dry-run', '--keep', '2'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], 'moss:        would prune 1 state (1)');
    assert.match(lines(r.stdout)[2], /^kept: {8}fstx 2, 3 \(active 3\)$/);
  });

  it("onix mirror copies the stones upstream moss keeps in its download cache, where the index's URI puts them", () => {
    const dir = join(tempDir(), 'mirror');
    const r = onix(['--root', root, 'mirror', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(lines(r.stdout)[0], /^5 stones \(0\.0 MiB; 5 copied, 0 already there\) and stone\.index$/);
    assert.deepEqual(readdirSync(join(dir, 'pool')).sort(), [
      'base-1-1-1-x86_64.stone',
      'base-2-1-1-x86_64.stone',
      'base-3-1-1-x86_64.stone',
      'mesa-22.3.6-1-1-x86_64.stone',
      'mesa-25.0.7-1-1-x86_64.stone',
    ]);
    assert.equal(readFileSync(join(dir, 'stone.index'), 'utf8'), '\0mos index payloads\n');
    assert.equal(onix(['mirror', '--verify', dir]).status, 0);
  });

  // Last: it moves the boot files. blsforme with an ESP and no XBOOTLDR writes loader.conf,
  // entries and kernels to the ESP (systemd_boot/mod.rs:46-52), mounted at /efi (manager.rs:97-100).
  it('a machine with only an ESP: onix reads loader.conf, the entries and the kernels under /efi', () => {
    for (const d of ['loader', 'EFI/onix']) renameSync(join(root, 'boot', d), join(root, 'efi', d));
    rmSync(join(root, 'boot'), { recursive: true, force: true });
    const r = onix(['--root', root, 'status']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lines(r.stdout)[1], `boot entry:  onix-${KERNEL}-3.conf`);
    const doctor = onix(['--root', root, 'doctor']);
    assert.equal(doctor.status, 0, doctor.stdout + doctor.stderr);
  });
});
