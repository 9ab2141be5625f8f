// The built image's base is musl: busybox and dropbear carry musl's loader as
// their interpreter and run on the image's own musl; no ELF program in the
// base's bin outside a glibc island uses glibc's loader; the manifest in the
// image (and beside it) lists every stone of the image's local repository,
// checked against the moss databases.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { buildImage } from '../../onix/image/build.ts';
import { MANIFEST_PATH, parseManifest, type ImageManifest } from '../../onix/image/manifest.ts';
import { stoneKey } from '../../onix/image/manifest-writer.ts';
import { readElfInterp } from '../../onix/planes/elf-interp.ts';
import { muslBaseCheck } from '../../onix/planes/musl-base.ts';

let rootfs: string;
let manifest: ImageManifest;

before(async () => {
  ({ rootfs } = await buildImage());
  manifest = parseManifest(readFileSync(join(rootfs, MANIFEST_PATH), 'utf8'));
});

test("busybox and dropbear are musl programs and run on the image's musl loader", () => {
  for (const bin of ['busybox', 'dropbear', 'dropbearkey'])
    assert.deepEqual(readElfInterp(join(rootfs, 'usr/bin', bin)), { interp: '/lib/ld-musl-x86_64.so.1', libc: 'musl' }, bin);
  assert.equal(readlinkSync(join(rootfs, 'lib')), 'usr/lib');
  const loader = join(rootfs, 'usr/lib/ld-musl-x86_64.so.1');
  assert.equal(execFileSync(loader, [join(rootfs, 'usr/bin/busybox'), 'echo', 'on musl'], { encoding: 'utf8' }), 'on musl\n');
  // busybox reads its own memory map: the image's loader is mapped, no glibc one.
  const maps = execFileSync(loader, [join(rootfs, 'usr/bin/busybox'), 'cat', '/proc/self/maps'], { encoding: 'utf8' });
  assert.ok(maps.includes(loader), maps);
  assert.doesNotMatch(maps, /ld-linux/);
  const key = join(mkdtempSync(join(tmpdir(), 'onix-dropbearkey-')), 'host_key');
  try {
    assert.match(
      execFileSync(loader, [join(rootfs, 'usr/bin/dropbearkey'), '-t', 'ed25519', '-f', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      /^ssh-ed25519 AAAA/m,
    );
  } finally {
    rmSync(join(key, '..'), { recursive: true, force: true });
  }
});

test('no glibc program in the base outside the islands; no glibc loader on the library path', () => {
  const c = muslBaseCheck(rootfs);
  assert.equal(c.ok, true, c.detail);
  assert.match(c.detail, /^3 program\(s\) in bin on musl \(\/lib\/ld-musl-x86_64\.so\.1\)/);
});

test('the manifest lists every stone the states install, inside and beside the image alike', () => {
  assert.equal(readFileSync(join(rootfs, '../manifest.json'), 'utf8'), readFileSync(join(rootfs, MANIFEST_PATH), 'utf8'));
  const state = new Database(join(rootfs, '.moss/db/state'), { readonly: true, fileMustExist: true });
  const install = new Database(join(rootfs, '.moss/db/install'), { readonly: true, fileMustExist: true });
  try {
    // Package ids are stone sha256s (manager.rs:499-504); the manifest names stones by stoneKey.
    const metaOf = install.prepare('SELECT name, version_identifier AS version, source_release AS release FROM meta WHERE package = ?');
    const selected = (id: number) =>
      (state.prepare('SELECT package_id FROM state_selections WHERE state_id = ?').all(id) as { package_id: string }[])
        .map((r) => stoneKey(metaOf.get(r.package_id) as { name: string; version: string; release: number }))
        .sort();
    const byState = new Map([
      ['Install', selected(1)],
      ['Sync', selected(2)],
    ]);
    for (const [summary, keys] of byState)
      assert.deepEqual(
        manifest.stones
          .filter((s) => s.states.includes(summary))
          .map(stoneKey)
          .sort(),
        keys,
        summary,
      );
    const installed = new Set([...byState.values()].flat());
    for (const key of installed)
      assert.ok(
        manifest.stones.some((s) => stoneKey(s) === key),
        `${key} missing from the manifest`,
      );
  } finally {
    state.close();
    install.close();
  }
  const libc = Object.fromEntries(manifest.stones.map((s) => [`${s.name} ${s.version}`, s.libc]));
  assert.equal(libc['busybox 1.35.0'], 'musl');
  assert.equal(libc['dropbear 2022.83'], 'musl');
  assert.equal(libc['onix-cli 0.1.0'], 'glibc-island');
  assert.equal(manifest.stones.find((s) => s.name === 'onix-cli')!.software, 'stand-in');
  assert.deepEqual(
    manifest.stones.find((s) => s.name === 'busybox')!.sources.map((s) => `${s.kind} ${s.package}`),
    ['debian-source busybox', 'debian-binary linux-libc-dev'],
  );
  assert.deepEqual(
    manifest.islands.map((i) => i.prefix),
    ['/usr/lib/onix', '/usr/lib/x86_64-linux-gnu'],
  );
});
