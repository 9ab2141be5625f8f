// onix mirror: the stones every recorded state uses, from moss's download cache, and the
// repository index, into a directory with SHA256SUMS; --verify checks it; moss installs
// the same states from it alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runMoss } from '../../onix/moss/cli.ts';
import { cleanup, lines, makeRoot, onix, tempDir, treeDigest } from './helpers.ts';

function statePackages(root: string): string[] {
  const db = new Database(join(root, '.moss/db/state'), { readonly: true });
  const ids = (db.prepare('SELECT DISTINCT package_id AS id FROM state_selections ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  db.close();
  return ids;
}

/** Where the index puts a package's stone file (db/install `meta.uri`). */
function stoneUri(root: string, id: string): string {
  const db = new Database(join(root, '.moss/db/install'), { readonly: true });
  const { uri } = db.prepare('SELECT uri FROM meta WHERE package = ?').get(id) as { uri: string };
  db.close();
  return uri;
}

function moss(root: string, ...args: string[]): string {
  let out = '';
  runMoss(['-D', root, ...args], { out: (t) => (out += t) });
  return out;
}

describe('onix mirror', () => {
  after(cleanup);

  it('copies the stones of every state and the index, with a SHA256SUMS that sha256sum -c accepts', () => {
    const fx = makeRoot();
    const dir = join(tempDir(), 'mirror');
    const r = onix(['--root', fx.root, 'mirror', dir]);
    assert.equal(r.status, 0, r.stderr);
    const used = statePackages(fx.root);
    assert.match(lines(r.stdout)[0], new RegExp(`^${used.length} stones \\(\\d+\\.\\d MiB; ${used.length} copied, 0 already there\\) and stone\\.index$`));
    const manifest = readFileSync(join(dir, 'SHA256SUMS'), 'utf8');
    assert.deepEqual(
      lines(manifest).map((l) => l.slice(66)),
      [...used.map((id) => stoneUri(fx.root, id)), 'stone.index'].sort(),
    );
    const check = spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const v = onix(['mirror', '--verify', dir]);
    assert.deepEqual([v.status, v.stdout], [0, `${dir}: ${used.length + 1} files match SHA256SUMS\n`]);
  });

  it('--verify names each problem on its own line and exits 1; a second run repairs and reuses', () => {
    const fx = makeRoot();
    const dir = join(tempDir(), 'mirror');
    assert.equal(onix(['--root', fx.root, 'mirror', dir]).status, 0);
    const stones = readdirSync(join(dir, 'stones')).sort();
    appendFileSync(join(dir, 'stones', stones[0]), 'x');
    rmSync(join(dir, 'stones', stones[1]));
    writeFileSync(join(dir, 'stones/stray.stone'), 'not vouched for');
    const v = onix(['mirror', '--verify', dir]);
    assert.equal(v.status, 1);
    const [first, ...rest] = lines(v.stdout);
    assert.ok(first.startsWith(`${join(dir, 'stones', stones[0])}: sha256 `), first);
    assert.deepEqual(rest, [`${join(dir, 'stones', stones[1])}: missing`, `${join(dir, 'stones/stray.stone')}: not in SHA256SUMS`, `${dir}: 3 problems`]);
    assert.match(first, / sha256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}$/);
    rmSync(join(dir, 'stones/stray.stone'));
    const again = onix(['--root', fx.root, 'mirror', dir]);
    assert.match(lines(again.stdout)[0], new RegExp(`; 2 copied, ${stones.length - 2} already there\\)`));
    assert.equal(onix(['mirror', '--verify', dir]).status, 0);
  });

  it('refuses a non-empty directory that is not a mirror, and a state whose download is gone, writing nothing', () => {
    const fx = makeRoot();
    const busy = tempDir();
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    const r = onix(['--root', fx.root, 'mirror', busy]);
    assert.deepEqual([r.status, r.stderr], [5, `onix: ${busy} is not empty and holds no SHA256SUMS: not a mirror, nothing written\n`]);
    assert.deepEqual(readdirSync(busy), ['notes.txt']);
    const file = join(busy, 'notes.txt');
    assert.deepEqual(onix(['--root', fx.root, 'mirror', file]).stderr, `onix: ${file} is not a directory: nothing written\n`);
    assert.equal(readFileSync(file, 'utf8'), 'mine');
    rmSync(join(fx.root, '.moss/cache/downloads'), { recursive: true });
    const dir = join(tempDir(), 'mirror');
    const gone = onix(['--root', fx.root, 'mirror', dir]);
    assert.equal(gone.status, 1);
    assert.match(
      gone.stderr,
      /^onix: no download of \S+ \S+ in moss's cache \(\/\.moss\/cache\/downloads\/v1\/[0-9a-f]{5}\/[0-9a-f]{5}\/[0-9a-f]{64}\) \(and \d+ more\): nothing written\n$/,
    );
    assert.ok(!existsSync(dir));
    const none = onix(['mirror', '--verify', busy]);
    assert.deepEqual([none.status, none.stderr], [1, `onix: ${busy}: no SHA256SUMS: not a mirror\n`]);
  });

  it("places a stone whose URI moss resolved against the index's (upstream's registry/plugin/repository.rs:38-39) beside the index; one elsewhere is refused", () => {
    const fx = makeRoot();
    const db = new Database(join(fx.root, '.moss/db/install'));
    db.prepare("UPDATE meta SET uri = 'file:///.moss/repo/local/' || uri").run();
    db.close();
    const dir = join(tempDir(), 'mirror');
    const r = onix(['--root', fx.root, 'mirror', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(lines(readFileSync(join(dir, 'SHA256SUMS'), 'utf8')).filter((l) => l.includes('  stones/')).length, statePackages(fx.root).length);
    const other = new Database(join(fx.root, '.moss/db/install'));
    other.prepare("UPDATE meta SET uri = 'https://elsewhere.example/pool/x.stone' WHERE rowid = 1").run();
    other.close();
    const refused = onix(['--root', fx.root, 'mirror', join(tempDir(), 'm2')]);
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /^onix: \S+ \S+: its URI "https:\/\/elsewhere\.example\/pool\/x\.stone" is not under the repository index's file:\/\/\/\.moss\/repo\/local\/stone\.index: nothing written\n$/,
    );
  });

  it('a fresh root installs the active state from the mirror alone, to the same /usr', () => {
    const fx = makeRoot();
    const dir = join(tempDir(), 'mirror');
    assert.equal(onix(['--root', fx.root, 'mirror', dir]).status, 0);
    // Nothing else to fetch from: the original repository and download cache are gone.
    rmSync(join(fx.root, '.moss/repo'), { recursive: true });
    rmSync(join(fx.root, '.moss/cache/downloads'), { recursive: true });
    const fresh = join(tempDir(), 'rebuilt');
    mkdirSync(fresh);
    assert.equal(moss(fresh, 'repo', 'add', 'mirror', `file://${dir}/stone.index`), 'mirror added\n');
    const names = lines(moss(fx.root, 'list', 'installed')).map((l) => l.split(' ')[0]);
    moss(fresh, '-y', 'install', ...names);
    assert.equal(moss(fresh, 'list', 'installed'), moss(fx.root, 'list', 'installed'));
    const skip = (rel: string) => rel === '.stateID';
    assert.equal(treeDigest(join(fresh, 'usr'), skip), treeDigest(join(fx.root, 'usr'), skip));
  });
});
