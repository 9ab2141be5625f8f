// glprobe from the Nix profile renders through /run/opengl-driver, a link farm
// into a glibc-built Mesa, the way it will on the ONIX machine: first the
// bookworm-backports Mesa (state N), then bookworm's (state N-1, a rollback).
// The two PNGs are kept under test-artifacts/nix/.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fetchDebs, readPackageList, unpackDeb } from '../../onix/image/debs.ts';
import { REPO_ROOT } from '../../onix/repo-root.ts';
import { buildOpenglDriverFarm } from '../../onix/image/nix/opengl-driver.ts';
import { buildNixPlane, NIX_CACHE } from '../../onix/image/nix/plane.ts';
import { NsNixMachine } from './ns-machine.ts';

const MESA = { '25.0.7': 'mesa-25.0.7', '22.3.6': 'mesa-22.3.6' } as const;
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts/nix');
let m: NsNixMachine;
const farms: Record<string, string> = {};

/** Unpacks one Mesa group of the image's package list (cached) and returns the package dirs. */
async function unpackMesa(group: string): Promise<string[]> {
  const pins = readPackageList(join(REPO_ROOT, 'onix/image/packages.txt')).get(group);
  assert.ok(pins, `onix/image/packages.txt has no [${group}]`);
  const debs = await fetchDebs(pins.map((p) => `${p.name}=${p.version}`));
  const root = join(NIX_CACHE, 'mesa', group);
  for (const [name, deb] of debs) {
    const dir = join(root, name);
    if (existsSync(dir)) continue;
    await unpackDeb(deb, `${dir}.tmp`);
    renameSync(`${dir}.tmp`, dir);
  }
  return readdirSync(root)
    .filter((n) => !n.endsWith('.tmp'))
    .map((n) => join(root, n));
}

/**
 * The unpacked Mesa, hard-linked (else copied) into `dir`: alice follows /run/opengl-driver to
 * it, and the cache home may lie where she cannot pass (/root/.cache, in a root user's home).
 */
function reachable(packageDirs: string[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return packageDirs.map((src) => {
    const dest = join(dir, basename(src));
    if (spawnSync('cp', ['-al', src, dest]).status !== 0) execFileSync('cp', ['-a', src, dest]);
    return dest;
  });
}

before(async () => {
  const plane = await buildNixPlane();
  const scratch = mkdtempSync(join(tmpdir(), 'glprobe-mesa-'));
  chmodSync(scratch, 0o755);
  for (const [version, group] of Object.entries(MESA)) {
    farms[version] = join(scratch, `farm-${group}`);
    buildOpenglDriverFarm(reachable(await unpackMesa(group), join(scratch, group)), farms[version]);
  }
  m = await NsNixMachine.start(plane);
  mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  await m?.stop();
});

async function ok(cmd: string, user: 'root' | 'alice' = 'alice') {
  const r = await m.exec(cmd, user);
  assert.equal(r.status, 0, `${user}$ ${cmd}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function probe(version: string): Promise<{ out: string; png: Buffer }> {
  await ok(`ln -sfn ${farms[version]} /run/opengl-driver`, 'root');
  const out = await ok(`glprobe -o mesa-${version}.png`);
  const png = readFileSync(join(m.aliceHome, `mesa-${version}.png`));
  copyFileSync(join(m.aliceHome, `mesa-${version}.png`), join(ARTIFACTS, `glprobe-mesa-${version}.png`));
  return { out, png };
}

test("glprobe from alice's profile names the Mesa behind /run/opengl-driver, and renders the same picture", async () => {
  await ok('nix profile install nixpkgs#glprobe');
  assert.match(await ok('readlink -f $(command -v glprobe)'), /^\/nix\/store\/[a-z0-9]{32}-glprobe-1\.0\/bin\/glprobe\n$/);
  const n = await probe('25.0.7');
  assert.match(n.out, /^GL_RENDERER: llvmpipe/m);
  assert.match(n.out, /^GL_VERSION: OpenGL ES 3\.2 Mesa 25\.0\.7/m);
  await m.restart(); // /run is emptied, as at boot; the seam would rebuild the farm from the rolled-back /usr
  const old = await probe('22.3.6');
  assert.match(old.out, /^GL_VERSION: OpenGL ES 3\.2 Mesa 22\.3\.6$/m);
  assert.equal(n.png.subarray(0, 8).toString('latin1'), '\x89PNG\r\n\x1a\n');
  // llvmpipe renders this scene identically in both versions (checked pixel hash and bytes)
  const fnv = (s: string) => /pixels fnv1a (0x[0-9a-f]{8})/.exec(s)?.[1];
  assert.equal(fnv(n.out), fnv(old.out));
  assert.ok(n.png.equals(old.png));
});

test('without the bridge glprobe fails with one clear line', async () => {
  await ok('rm -f /run/opengl-driver', 'root');
  const r = await m.exec('glprobe -o none.png');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /libEGL\.so\.1|glprobe: /);
  rmSync(join(m.aliceHome, 'none.png'), { force: true });
});
