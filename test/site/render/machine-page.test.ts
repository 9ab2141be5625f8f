// The test machine page is generated from the image's manifest (type and parser:
// onix/image/manifest.ts): every stone and package with its version, stand-ins and why, the glibc
// islands, and it follows the manifest.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ImageManifest, parseManifest } from '../../../onix/image/manifest.ts';
import { buildSite } from '../../../generator/site/build/build.ts';
import { readImageManifest } from '../../../generator/site/model/image-manifest.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

function manifestText(mesaNew = '25.0.7'): string {
  const stone = (
    name: string,
    version: string,
    libc: string,
    software: string,
    sources: Array<[string, string, string]>,
    states: string[],
    extra: Record<string, unknown> = {},
  ) => ({
    name,
    version,
    release: 1,
    summary: `${name} summary`,
    libc,
    software,
    states,
    notes: [`${name} note`],
    sources: sources.map(([kind, pkg, v]) => ({ kind, package: pkg, version: v })),
    ...extra,
  });
  return JSON.stringify({
    schema: 2,
    base: {
      libc: 'musl',
      version: '1.2.3-1',
      loader: '/usr/lib/ld-musl-x86_64.so.1',
      interp: '/lib/ld-musl-x86_64.so.1',
      libraryPath: ['/lib', '/usr/lib'],
      toolchain: 'musl-tools 1.2.3-1',
    },
    nix: {
      version: '2.8.0',
      storePath: '/nix/store/n834pj102f79vjmrv2mnxndfvvpf9n2b-nix-2.8.0',
      sources: [{ kind: 'debian-binary', package: 'nix-bin', version: '2.8.0-1' }],
      why: 'the Nix plane',
    },
    islands: [
      {
        name: 'onix-runtime',
        prefix: '/usr/lib/onix',
        loader: '/usr/lib/onix/lib/ld-linux-x86-64.so.2',
        stones: ['onix-cli'],
        why: 'Debian ships no musl Node',
      },
    ],
    stones: [
      stone(
        'busybox',
        '1.35.0',
        'musl',
        'upstream',
        [
          ['debian-source', 'busybox', '1:1.35.0-4'],
          ['debian-binary', 'linux-libc-dev', '6.1.176-1'],
        ],
        ['Install', 'Sync'],
      ),
      stone('linux', '6.1.0-50-amd64', 'static', 'upstream', [['debian-binary', 'linux-image-6.1.0-50-amd64', '6.1.176-1']], ['Install', 'Sync']),
      stone('mesa', '22.3.6', 'glibc-island', 'upstream', [['debian-binary', 'libgl1-mesa-dri', '22.3.6-1+deb12u2']], ['Install'], { island: 'onix-runtime' }),
      stone('mesa', mesaNew, 'glibc-island', 'upstream', [['debian-binary', 'libgl1-mesa-dri', `${mesaNew}-2~bpo12+1`]], ['Sync'], { island: 'onix-runtime' }),
      stone(
        'onix-cli',
        '0.1.0',
        'glibc-island',
        'stand-in',
        [
          ['this-repository', 'onix/moss', '0.1.0'],
          ['host', 'node', 'v20.19.2'],
        ],
        ['Install', 'Sync'],
        {
          island: 'onix-runtime',
          notes: ["/usr/bin/moss is a stand-in for upstream moss (AerynOS os-tools, Rust): it keeps moss's on-disk format and command shape"],
        },
      ),
      stone('onix-hello', '1.0', 'none', 'onix', [['this-repository', 'onix/image/recipes/base.ts', '1.0']], []),
    ],
  });
}

const report = specReport({
  machine: { target: 'vm', imageId: '0f095cb4e1aa', fstx: '2', host: 'qemu tcg' },
  pages: [],
  cases: [],
  totals: { passed: 0, failed: 0, skipped: 0, errors: 0 },
});

test('the test machine page lists every stone and package of the manifest, and says what is a stand-in and why', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.') });
  const m: ImageManifest = parseManifest(manifestText());
  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), report, manifest: m, cacheDir: null, rootDir: dir, gitDates: false });
  const html = await read(join(dir, 'dist'), 'test-machine/index.html');
  for (const s of m.stones) {
    assert.ok(html.includes(`<td><code>${s.name}</code>`), s.name);
    assert.ok(html.includes(`<summary>${s.name} ${s.version}: `), `${s.name} ${s.version}`);
    for (const src of s.sources) assert.ok(html.includes(`<li><code>${src.package}</code> ${src.version} (`), `${s.name}: ${src.package} ${src.version}`);
  }
  assert.match(html, /<dt>Kernel<\/dt><dd><code>Linux 6\.1\.0-50-amd64<\/code>/);
  assert.match(html, /<dt>Mesa \(state Sync\)<\/dt><dd><code>25\.0\.7<\/code>/);
  assert.match(html, /<dt>Node\.js \(runs onix and the moss stand-in\)<\/dt><dd><code>v20\.19\.2<\/code>/);
  assert.match(html, /<dt>Nix \(the \/nix plane\)<\/dt><dd><code>2\.8\.0 \(\/nix\/store\/n834pj102f79vjmrv2mnxndfvvpf9n2b-nix-2\.8\.0\)<\/code>/);
  assert.match(html, /<strong>onix-cli 0\.1\.0 is a stand-in\.<\/strong><\/p><ul><li>\/usr\/bin\/moss is a stand-in for upstream moss/);
  assert.match(html, /<strong>glibc island onix-runtime<\/strong> under <code>\/usr\/lib\/onix<\/code>/);
  assert.match(html, /Why: Debian ships no musl Node/);
  assert.match(html, /<td>repository only<\/td>/);
  assert.match(html, /npm run spec -- --target ssh:\/\/root@my-onix-box/);
});

test('a changed manifest renders a changed page, with the same build cache', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.') });
  const opts = { contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), report, cacheDir: join(dir, 'cache'), rootDir: dir, gitDates: false };
  await buildSite({ ...opts, manifest: parseManifest(manifestText()) });
  assert.match(await read(join(dir, 'dist'), 'test-machine/index.html'), /<li><code>libgl1-mesa-dri<\/code> 25\.0\.7-2~bpo12\+1 \(Debian package\)<\/li>/);
  await buildSite({ ...opts, manifest: parseManifest(manifestText('25.0.8')) });
  const html = await read(join(dir, 'dist'), 'test-machine/index.html');
  assert.match(html, /<li><code>libgl1-mesa-dri<\/code> 25\.0\.8-2~bpo12\+1 \(Debian package\)<\/li>/);
  assert.doesNotMatch(html, /25\.0\.7/);
});

test('the manifest is read from beside the image the report names; none there is said so on the page', async () => {
  const dir = await tempSite({ 'content/index.md': page('Home', 'Hello.') });
  const cache = join(dir, 'image-cache');
  assert.equal(await readImageManifest('0f095cb4e1aa', cache), null);
  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), report, cacheDir: null, rootDir: dir, gitDates: false });
  assert.match(await read(join(dir, 'dist'), 'test-machine/index.html'), /The last spec run used image 0f095cb4e1aa, and this build found no manifest for it/);
  await mkdir(join(cache, 'images/0f095cb4e1aa'), { recursive: true });
  await writeFile(join(cache, 'images/0f095cb4e1aa/manifest.json'), manifestText());
  assert.equal((await readImageManifest('0f095cb4e1aa', cache))?.stones.length, 6);
  await writeFile(join(cache, 'images/0f095cb4e1aa/manifest.json'), '{"schema": 99}');
  await assert.rejects(readImageManifest('0f095cb4e1aa', cache), /manifest\.json: image manifest: schema is 99/);
});
