// Inspects the built image tree: moss's databases, the active and archived /usr,
// hard links shared between states and the content store, boot entries, /etc
// seeded from defaults, the onix-cli runtime, and the seam run in a chroot.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { buildImage, readImageInfo, type ImageInfo } from '../../onix/image/build.ts';
import { bundleFile, ENTRY_POINTS } from '../../onix/image/recipes/onix-cli.ts';
import { assetPath, entryText, mossPaths } from '../../onix/moss/index.ts';
import { readIndexFile } from '../../onix/moss/stone-file.ts';

let rootfs: string;
let info: ImageInfo;
const LIBDIR = 'usr/lib/x86_64-linux-gnu';
const GALLIUM25 = 'libgallium-25.0.7-2~bpo12+1.so';

before(async () => {
  ({ rootfs } = await buildImage());
  info = readImageInfo(rootfs);
});

function db(name: 'state' | 'install' | 'layout') {
  return new Database(join(rootfs, '.moss/db', name), { readonly: true, fileMustExist: true });
}

/** The package id (stone sha256) of a Mesa release in the image. */
function mesaId(version: string): string {
  const install = db('install');
  try {
    return install.prepare("SELECT package FROM meta WHERE name = 'mesa' AND version_identifier = ?").pluck().get(version) as string;
  } finally {
    install.close();
  }
}

function inode(path: string): number {
  return statSync(path).ino;
}

test('the state database holds N-1 (Install, Mesa 22.3.6) and N (Sync, Mesa 25.0.7)', () => {
  const state = db('state');
  try {
    const rows = state.prepare('SELECT id, type, summary, description FROM state ORDER BY id').all();
    assert.deepEqual(rows, [
      { id: 1, type: 'transaction', summary: 'Install', description: 'ONIX base with Mesa 22.3.6' },
      // Upstream sync records the summary "Sync" and no description (os-tools moss/src/client/sync.rs:205).
      { id: 2, type: 'transaction', summary: 'Sync', description: null },
    ]);
    // Package ids are stone sha256s (manager.rs:499-504): name them through db/install.
    const install = db('install');
    const nameOf = install.prepare("SELECT name || '-' || version_identifier || '-' || source_release FROM meta WHERE package = ?").pluck();
    const sel = (id: number) =>
      (state.prepare('SELECT package_id FROM state_selections WHERE state_id = ?').all(id) as { package_id: string }[])
        .map((r) => {
          assert.match(r.package_id, /^[0-9a-f]{64}$/);
          return nameOf.get(r.package_id) as string;
        })
        .sort();
    const one = sel(1);
    const two = sel(2);
    assert.equal(one.length, 11); // the base's 11 stones, systemd-boot among them (content/validation.md lists them)
    assert.deepEqual(
      one.filter((p) => !two.includes(p)),
      ['mesa-22.3.6-1'],
    );
    assert.deepEqual(
      two.filter((p) => !one.includes(p)),
      ['mesa-25.0.7-2'],
    );
    for (const name of ['filesystem', 'busybox', 'musl', 'linux', 'glibc', 'onix-cli', 'onix-nix-integration', 'dropbear', 'onix-manifest'])
      assert.ok(
        one.some((p) => p.startsWith(`${name}-`)),
        name,
      );
    assert.ok(!two.some((p) => p.startsWith('onix-hello-')), 'onix-hello is only offered');
    install.close();
  } finally {
    state.close();
  }
  const install = db('install');
  try {
    const mesa = install.prepare("SELECT version_identifier, source_release FROM meta WHERE name = 'mesa' ORDER BY source_release").all();
    assert.deepEqual(mesa, [
      { version_identifier: '22.3.6', source_release: 1 },
      { version_identifier: '25.0.7', source_release: 2 },
    ]);
  } finally {
    install.close();
  }
  assert.equal(info.activeState, 2);
  // The index is upstream's (a Repository stone, client/index.rs:104); the stone files are named as boulder names them (emit.rs:56-61).
  assert.deepEqual(
    readIndexFile(join(rootfs, '.moss/repo/local/stone.index'))
      .map((s) => s.uri)
      .filter((uri) => /^stones\/(mesa|onix-hello)-/.test(uri))
      .sort(),
    ['stones/mesa-22.3.6-1-1-x86_64.stone', 'stones/mesa-25.0.7-2-1-x86_64.stone', 'stones/onix-hello-1.0-1-1-x86_64.stone'],
  );
});

test('the active /usr is state 2 and state 1 is archived with its own Mesa', () => {
  assert.equal(readFileSync(join(rootfs, 'usr/.stateID'), 'utf8'), '2');
  const archived = join(rootfs, '.moss/root/1/usr');
  assert.equal(readFileSync(join(archived, '.stateID'), 'utf8'), '1');
  assert.ok(existsSync(join(rootfs, LIBDIR, GALLIUM25)));
  assert.ok(!existsSync(join(archived, 'lib/x86_64-linux-gnu', GALLIUM25)));
  assert.ok(existsSync(join(archived, 'lib/x86_64-linux-gnu/libglapi.so.0')));
  assert.ok(existsSync(join(archived, 'lib/x86_64-linux-gnu/dri/swrast_dri.so')));
  assert.deepEqual(readdirSync(join(rootfs, '.moss/root')).sort(), ['1', 'isolation', 'staging']);
  assert.deepEqual(readdirSync(join(rootfs, '.moss/root/staging')), []);
});

test('unchanged files are one inode shared by both states and the content store', () => {
  const archived = join(rootfs, '.moss/root/1/usr');
  for (const rel of ['bin/busybox', 'lib/x86_64-linux-gnu/libLLVM-15.so.1', 'lib/onix/bin/node']) {
    assert.equal(inode(join(rootfs, 'usr', rel)), inode(join(archived, rel)), rel);
    assert.ok(statSync(join(rootfs, 'usr', rel)).nlink >= 3, rel);
  }
  assert.notEqual(inode(join(rootfs, LIBDIR, 'libEGL_mesa.so.0.0.0')), inode(join(archived, 'lib/x86_64-linux-gnu/libEGL_mesa.so.0.0.0')));
  // Every regular file in the layout of state 2 is its asset, hard-linked.
  const layout = db('layout');
  try {
    const rows = layout
      .prepare("SELECT entry_value1 AS hash, entry_value2 AS path FROM layout WHERE package_id = ? AND entry_type = 'regular'")
      .all(mesaId('25.0.7')) as { hash: string; path: string }[];
    assert.ok(rows.length > 20);
    const p = mossPaths(rootfs);
    for (const r of rows) assert.equal(inode(join(rootfs, 'usr', r.path)), inode(assetPath(p, r.hash)), r.path);
  } finally {
    layout.close();
  }
});

test('boot entries: the active state and the older one, named as blsforme names them, loader.conf a glob', () => {
  const entries = join(rootfs, 'boot/loader/entries');
  const name = (id: number) => `onix-${info.kernel}-${id}.conf`;
  assert.deepEqual(readdirSync(entries).sort(), [name(1), name(2)]);
  const os = { id: 'onix', name: 'ONIX', prettyName: 'ONIX (test machine)' };
  for (const id of [1, 2])
    assert.equal(
      readFileSync(join(entries, name(id)), 'utf8'),
      entryText(os, info.kernel, ['10-onix.initrd'], `root=/dev/vda rw console=ttyS0 quiet moss.fstx=${id}`),
    );
  assert.match(readFileSync(join(entries, name(2)), 'utf8'), /^options root=\/dev\/vda rw console=ttyS0 quiet moss\.fstx=2$/m);
  assert.equal(readFileSync(join(rootfs, 'boot/loader/loader.conf'), 'utf8'), 'default "onix*"\n');
  for (const f of ['vmlinuz', '10-onix.initrd'])
    assert.deepEqual(readFileSync(join(rootfs, 'boot/EFI/onix', info.kernel, f)), readFileSync(join(rootfs, 'usr/lib/kernel', info.kernel, f)), f);
});

test('root links, os-release, musl, and /etc holding only what was seeded from defaults', () => {
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib'],
    ['lib32', 'usr/lib32'],
  ])
    assert.equal(readlinkSync(join(rootfs, link)), target);
  assert.match(readFileSync(join(rootfs, 'usr/lib/os-release'), 'utf8'), /^NAME="ONIX"$/m);
  assert.equal(readlinkSync(join(rootfs, 'etc/os-release')), '../usr/lib/os-release');
  assert.ok(statSync(join(rootfs, 'usr/lib/ld-musl-x86_64.so.1')).isFile());
  assert.ok(lstatSync(join(rootfs, 'usr/sbin')).isSymbolicLink());
  assert.ok(existsSync(join(rootfs, 'usr/sbin/init')), 'busybox init');
  // /etc: copies of shipped defaults (no drift on a fresh image), and the account databases.
  const defaults = join(rootfs, 'usr/share/defaults/etc');
  const accounts = ['passwd', 'group', 'shadow'];
  for (const f of readdirSync(join(rootfs, 'etc'))) {
    if (f === 'os-release' || accounts.includes(f)) continue;
    assert.equal(readFileSync(join(rootfs, 'etc', f), 'utf8'), readFileSync(join(defaults, f), 'utf8'), f);
  }
  for (const f of accounts) assert.ok(!existsSync(join(defaults, f)), `${f} is machine state, not a default`);
  assert.equal(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), readFileSync(join(rootfs, 'usr/share/onix/accounts/passwd'), 'utf8'));
  // Per-build passwords: hashed in /etc/shadow, the clear text only beside the tree.
  assert.match(readFileSync(join(rootfs, 'etc/shadow'), 'utf8'), /^root:\$6\$[^:]+:/m);
  assert.ok(existsSync(join(rootfs, '../secrets.json')));
  assert.equal(statSync(join(rootfs, 'etc/shadow')).mode & 0o777, 0o600);
});

test('the onix-cli stone runs moss and onix on its private Node and glibc', () => {
  const interp = execFileSync('patchelf', ['--print-interpreter', join(rootfs, 'usr/lib/onix/bin/node')], { encoding: 'utf8' }).trim();
  assert.equal(interp, '/usr/lib/onix/lib/ld-linux-x86-64.so.2');
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  const list = spawnSync('chroot', [rootfs, '/usr/bin/moss', 'state', 'list'], { encoding: 'utf8', env });
  assert.equal(list.stderr, '');
  assert.match(list.stdout, /^State #2 - Sync\n/);
  const onix = spawnSync('chroot', [rootfs, '/usr/bin/onix', '--help'], { encoding: 'utf8', env });
  assert.equal(onix.status, 0, onix.stderr);
  assert.ok(existsSync(join(rootfs, 'usr/libexec/moss/moss-exchange')));
  assert.ok(existsSync(join(rootfs, 'usr/bin/onix-agent')));
});

test('each command starts through its #! launcher with the code cache the builder made, which V8 accepts', () => {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ONIX_CODE_CACHE_REPORT: '1' };
  for (const name of Object.keys(ENTRY_POINTS)) {
    assert.match(readFileSync(join(rootfs, 'usr/bin', name), 'utf8'), /^#!\/usr\/lib\/onix\/bin\/node\n/, name);
    assert.ok(existsSync(join(rootfs, 'usr/lib/onix', `${name}.cjs.v8cache`)), name);
  }
  // The initramfs runs the booted root's moss bundle itself (onix/image/files/initramfs-moss).
  const hook = readFileSync(join(import.meta.dirname, '../../onix/image/files/initramfs-moss'), 'utf8');
  const bundles = [...hook.matchAll(/\/sysroot(\/usr\/lib\/onix\/\S+)/g)].map((m) => m[1]);
  assert.ok(bundles.includes(`/usr/lib/onix/${bundleFile('moss')}`), hook);
  for (const file of bundles) assert.ok(existsSync(join(rootfs, file)), file);
  // ... from outside the root, as the hook does from /sysroot, through the root's own loader.
  const lib = join(rootfs, 'usr/lib/onix/lib');
  const hooked = spawnSync(
    join(lib, 'ld-linux-x86-64.so.2'),
    ['--library-path', lib, join(rootfs, 'usr/lib/onix/bin/node'), join(rootfs, 'usr/lib/onix', bundleFile('moss')), '-D', rootfs, 'state', 'active'],
    {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    },
  );
  assert.equal(hooked.status, 0, hooked.stderr);
  assert.match(hooked.stdout, /^State #2 - Sync\n/);
  for (const argv of [
    ['/usr/bin/onix', '--help'],
    ['/usr/bin/moss', 'state', 'active'],
  ]) {
    const r = spawnSync('chroot', [rootfs, ...argv], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'code cache: used\n', argv.join(' '));
  }
});

test('the seam seeds /etc/nix when absent, keeps a local override, and is idempotent (chroot)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'onix-seam-'));
  try {
    // A writable root around the image's read-only /usr: /etc copied, /usr bind-mounted in a private mount namespace.
    for (const d of ['etc', 'nix', 'home', 'run', 'var', 'usr']) execFileSync('mkdir', ['-p', join(scratch, d)]);
    cpSync(join(rootfs, 'etc'), join(scratch, 'etc'), { recursive: true, verbatimSymlinks: true });
    for (const l of ['bin', 'sbin', 'lib', 'lib64']) execFileSync('ln', ['-s', readlinkSync(join(rootfs, l)), join(scratch, l)]);
    const seam = (extra = '') =>
      spawnSync(
        'unshare',
        ['-m', 'sh', '-c', `mount --bind -o ro "${rootfs}/usr" "${scratch}/usr" && chroot "${scratch}" /usr/libexec/onix-nix-integration/boot ${extra}`],
        {
          encoding: 'utf8',
          env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        },
      );
    let r = seam();
    assert.equal(r.status, 0, r.stderr);
    const etc = (f: string) => readFileSync(join(scratch, 'etc', f), 'utf8');
    assert.equal(etc('nix/nix.conf'), readFileSync(join(rootfs, 'usr/share/defaults/etc/nix/nix.conf'), 'utf8'));
    for (const line of [
      'build-users-group = nixbld',
      'sandbox = true',
      'auto-optimise-store = true',
      'allowed-users = @users',
      'trusted-users = root',
      'experimental-features = nix-command flakes',
    ])
      assert.match(etc('nix/nix.conf'), new RegExp(`^${line}$`, 'm'));
    assert.match(etc('group'), /^nixbld:x:6649:nixbld1,.*,nixbld32$/m);
    assert.match(etc('group'), /^users:x:100:alice$/m);
    assert.match(etc('passwd'), /^alice:x:1000:100:Alice:\/home\/alice:\/bin\/sh$/m);
    assert.equal(etc('profile.d/onix-nix.sh'), readFileSync(join(rootfs, 'usr/share/defaults/etc/profile.d/onix-nix.sh'), 'utf8'));
    assert.equal(statSync(join(scratch, 'home/alice')).uid, 1000);
    assert.equal(readlinkSync(join(scratch, 'run/opengl-driver/lib', GALLIUM25)), `/usr/lib/x86_64-linux-gnu/${GALLIUM25}`);
    assert.ok(!existsSync(join(scratch, 'run/opengl-driver/lib/libc.so.6')));
    assert.ok(existsSync(join(scratch, 'nix/var/nix/profiles/per-user/alice')));
    // Twice: nothing changes.
    const before = ['group', 'passwd', 'shadow'].map(etc);
    writeFileSync(join(scratch, 'etc/nix/nix.conf'), 'max-jobs = 4\n');
    r = seam();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(['group', 'passwd', 'shadow'].map(etc), before);
    assert.equal(etc('nix/nix.conf'), 'max-jobs = 4\n', 'a local override is left alone');
    rmSync(join(scratch, 'etc/nix/nix.conf'));
    assert.equal(seam().status, 0);
    assert.match(etc('nix/nix.conf'), /^build-users-group = nixbld$/m, 're-seeded when absent');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a second build with the same inputs reuses the cache', async () => {
  // Back to back, and without the Nix plane: its inputs are another part's sources,
  // which may change while this suite runs in a shared working tree.
  const first = await buildImage({ nixPlane: false });
  const lines: string[] = [];
  const again = await buildImage({ nixPlane: false, onProgress: (l) => lines.push(l) });
  assert.equal(again.rootfs, first.rootfs);
  assert.equal(again.imageId, first.imageId);
  assert.ok(
    lines.some((l) => l.includes('is up to date')),
    lines.join('\n'),
  );
  assert.ok(!lines.some((l) => l.startsWith('building stone')), lines.join('\n'));
});
