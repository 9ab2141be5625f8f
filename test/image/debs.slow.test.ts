// The Debian package fetcher: a private apt configuration (own lists, cache,
// state), downloads cached by name and version, dpkg-deb -x unpacking. Uses the
// real mirror (deb.debian.org) with a fresh cache directory.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { aptConfig, fetchDebs, ImageBuildError, readPackageList, unpackDeb } from '../../onix/image/debs.ts';

test('fetchDebs downloads through a private apt config, caches by name and version, and leaves the host alone', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'onix-debs-'));
  const hostLists = existsSync('/var/lib/apt/lists') ? statSync('/var/lib/apt/lists').mtimeMs : 0;
  try {
    const debs = await fetchDebs(['hello'], { cacheDir });
    const deb = debs.get('hello')!;
    assert.match(basename(deb), /^hello_[^_]+_amd64\.deb$/);
    assert.ok(deb.startsWith(join(cacheDir, 'debs')));
    const conf = readFileSync(aptConfig(cacheDir).conf, 'utf8');
    assert.match(conf, new RegExp(`^Dir::State "${cacheDir}/apt/state";$`, 'm'));
    assert.match(
      readFileSync(join(cacheDir, 'apt/etc/sources.list'), 'utf8'),
      /^deb \[signed-by=\S+\] http:\/\/deb\.debian\.org\/debian bookworm-backports main$/m,
    );
    // Cached by name+version: with the lists gone, a pinned request needs no apt at all.
    const version = basename(deb).split('_')[1].replace('%3a', ':');
    rmSync(join(cacheDir, 'apt/state/lists'), { recursive: true });
    const again = await fetchDebs([`hello=${version}`], { cacheDir });
    assert.equal(again.get('hello'), deb);
    assert.deepEqual(
      readdirSync(join(cacheDir, 'apt/state/lists')).filter((f) => f.endsWith('_Packages')),
      [],
      'no apt-get update for a cached pin',
    );
    const dir = join(cacheDir, 'unpacked');
    await unpackDeb(deb, dir);
    assert.ok(statSync(join(dir, 'usr/bin/hello')).isFile());
    await assert.rejects(
      fetchDebs(['no-such-package-onix'], { cacheDir }),
      (e: unknown) => e instanceof ImageBuildError && /no Debian package "no-such-package-onix"/.test(e.message),
    );
    await assert.rejects(fetchDebs(['Bad Name'], { cacheDir }), ImageBuildError);
    assert.equal(existsSync('/var/lib/apt/lists') ? statSync('/var/lib/apt/lists').mtimeMs : 0, hostLists, "the host's apt lists are untouched");
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('the reviewed package list pins both Mesa stacks and the base', () => {
  const groups = readPackageList();
  assert.deepEqual([...groups.keys()], ['base', 'node-runtime', 'mesa-22.3.6', 'mesa-25.0.7', 'source', 'musl-build']);
  const version = (group: string, name: string) => groups.get(group)!.find((p) => p.name === name)?.version;
  assert.match(version('mesa-22.3.6', 'libegl-mesa0')!, /^22\.3\.6-/);
  assert.match(version('mesa-25.0.7', 'libegl-mesa0')!, /^25\.0\.7-.*bpo12/);
  assert.match(version('mesa-25.0.7', 'mesa-libgallium')!, /^25\.0\.7-/);
  // The VM's kernel is compiled from the source of the kernel bookworm ships (kernel-build.ts).
  assert.match(version('base', 'linux-source-6.1')!, /^6\.1\.\d+-/);
  assert.ok(version('base', 'busybox-static'));
  assert.ok(!groups.get('mesa-22.3.6')!.some((p) => p.name.startsWith('python3')), 'no python in the Mesa closure');
});
