// Debian source packages through the image builder's private apt configuration
// (bookworm's deb-src line in its own sources list): fetched once, cached by name
// and version, unpacked with Debian's patches, dated by their changelog; the
// host's apt sources and lists are never touched. Uses the real mirror.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { ImageBuildError } from '../../onix/image/debs.ts';
import { fetchSource, resolveSourceVersion, sourceDateEpoch, unpackSource } from '../../onix/image/source-packages.ts';

const hostState = () => ['/var/lib/apt/lists', '/etc/apt/sources.list', '/etc/apt/sources.list.d'].map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0));

test('a source package comes through the private deb-src line, once, and unpacks with its changelog date', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'onix-sources-'));
  const host = hostState();
  try {
    const pin = await resolveSourceVersion('hello', cacheDir);
    assert.match(readFileSync(join(cacheDir, 'apt/etc/sources.list'), 'utf8'), /^deb-src \[signed-by=\S+\] http:\/\/deb\.debian\.org\/debian bookworm main$/m);
    assert.ok(readdirSync(join(cacheDir, 'apt/state/lists')).some((f) => f.endsWith('_bookworm_main_source_Sources')));
    const dsc = await fetchSource(pin, { cacheDir });
    assert.equal(basename(dsc), `hello_${pin.version.replace(/^\d+:/, '')}.dsc`);
    assert.ok(dsc.startsWith(join(cacheDir, 'sources')));
    // Cached: with the lists gone, the same pin needs no apt.
    rmSync(join(cacheDir, 'apt/state/lists'), { recursive: true });
    assert.equal(await fetchSource(pin, { cacheDir }), dsc);
    assert.ok(!existsSync(join(cacheDir, 'apt/state/lists')) || readdirSync(join(cacheDir, 'apt/state/lists')).every((f) => !f.endsWith('_Sources')));
    const src = join(cacheDir, 'unpacked');
    await unpackSource(dsc, src);
    assert.ok(existsSync(join(src, 'debian/changelog')));
    assert.ok(existsSync(join(src, 'configure')));
    const epoch = Number(await sourceDateEpoch(src));
    assert.ok(epoch > 1_600_000_000 && epoch < Date.now() / 1000, String(epoch));
    await assert.rejects(
      resolveSourceVersion('no-such-source-onix', cacheDir),
      (e: unknown) => e instanceof ImageBuildError && /no source package "no-such-source-onix"/.test(e.message),
    );
    await assert.rejects(
      fetchSource({ name: 'hello', version: '0.0-0' }, { cacheDir }),
      (e: unknown) => e instanceof ImageBuildError && /apt-get source hello=0\.0-0 failed/.test(e.message),
    );
    assert.deepEqual(hostState(), host, "the host's apt sources and lists are untouched");
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
