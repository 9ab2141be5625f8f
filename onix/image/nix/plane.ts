// The persistent multi-user Nix plane of the ONIX test image: a /nix tree with
// a self-contained Nix 2.8 living in store paths, registered in its own Nix
// database, plus the defaults the seam installs under /usr/share/defaults/etc/nix.
//
//   store glibc       Debian's libc6, content-addressed, used by everything in the plane
//   libraries         one store path per Debian package Nix links (ELF closure of nix-bin);
//                     RUNPATH set to the store paths they need, unless they need only libc
//   nix-2.8.0         Debian's nix-bin: interpreter = store glibc's loader, RUNPATH = store
//   root's profile    /nix/var/nix/profiles/default holds nix (the seam runs its nix-daemon)
//   nixpkgs flake     a `source` path registered as `nixpkgs` in registry.json; its packages
//                     (ripgrep, glprobe, onix-hello, onix-slow) build offline in the sandbox from seeded,
//                     gc-rooted inputs (busybox as builder, Debian bytes, our glprobe binary)
//
// The build runs the plane's own nix-store (in a private mount namespace with
// the new tree at /nix) to register every path, marks them locally built
// (ultimate) and checks `nix store verify --all`. Output is cached by a hash of
// every input: a second build with the same inputs returns at once.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readPackageList, type DebPin } from '../debs.ts';
import { CACHE_HOME } from '../../cache-home.ts';
import { ImageBuildError, requireHostTools, HOST_TOOLS } from '../host-tools.ts';
import { compileGlprobe } from './glprobe-build.ts';
import { inNixNamespace, requireNamespaces } from './namespace.ts';
import { PlaneBuilder } from './plane-builder.ts';
import { hostGccVersion, NIX_PACKAGES, pinsOf, PLANE_RECIPE, sourcesHash, unpackAll, upstreamVersion, writeSources } from './plane-inputs.ts';
import type { StoreItem } from './store.ts';
import { sri } from './store-path.ts';
import { claimDir, isAlive, ownerOf } from '../../owned-dirs.ts';
import { nixConfText } from '../../planes/seam-defaults.ts';

/** Cache root, shared by every clone (default: <cache home>/nix; env ONIX_NIX_CACHE overrides). */
export const NIX_CACHE = process.env.ONIX_NIX_CACHE ? process.env.ONIX_NIX_CACHE : join(CACHE_HOME, 'nix');

export interface NixPlaneOptions {
  /** Cache root for unpacked debs and finished planes (default: NIX_CACHE). */
  cacheDir?: string;
  /** Cache of downloaded .debs, shared with the rest of the image (default: debs.ts's). */
  debCacheDir?: string;
  /** Called with one short line per step (default: silent). */
  onProgress?: (line: string) => void;
}

export interface NixPlane {
  /** Hash of every input; names the cache entry. */
  planeId: string;
  /** The tree to copy (cp -a, as root) to <rootfs>/nix. */
  nixDir: string;
  /** Files for /usr/share/defaults/etc/nix/: nix.conf, registry.json. */
  defaultsEtcNix: string;
  /** Store paths other parts may want to name. */
  paths: { nix: string; glibc: string; busybox: string; flake: string; seed: string; profile: string };
  /** Apparent size of nixDir in bytes. */
  sizeBytes: number;
  /** True when the plane came from the cache. */
  cached: boolean;
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The seam's nix.conf defaults (onix/planes/seam-defaults.ts), which the plane's nix.conf extends. */
const SEAM_NIX_CONF = nixConfText();

/** What the plane adds to the seam's defaults in the test image, which is offline. */
const OFFLINE_CONF = `# The machine is offline: no binary caches, and the flake registry is the
# local one (which names the store's nixpkgs flake).
substituters =
flake-registry = /etc/nix/registry.json
# Debian's Nix was built for /usr/libexec; the build hook comes from the same Nix
# as the daemon (root's default profile), never from the machine plane.
build-hook = /nix/var/nix/profiles/default/libexec/nix/build-remote
`;

/** Nix settings for the plane's own Nix while the image is built (no daemon, no sandbox, offline). */
const BUILD_TIME_CONF = `experimental-features = nix-command flakes
build-users-group =
sandbox = false
substituters =
flake-registry = /dev/null
`;

function duBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split(/\s/)[0]) || 0;
}

/**
 * Builds (or takes from the cache) the Nix plane. The caller copies `nixDir`
 * to <rootfs>/nix with `cp -a` as root and installs `defaultsEtcNix/*` under
 * /usr/share/defaults/etc/nix/. Needs root (mount namespace), gcc and patchelf.
 */
export async function buildNixPlane(options: NixPlaneOptions = {}): Promise<NixPlane> {
  const cacheDir = options.cacheDir ?? NIX_CACHE;
  const groups = readPackageList(NIX_PACKAGES);
  const allPins = ['nix', 'flake', 'glprobe-build'].flatMap((g) => pinsOf(groups, g));
  const planeId = sha256(JSON.stringify({ RECIPE: PLANE_RECIPE, pins: allPins, src: sourcesHash(), conf: sha256(SEAM_NIX_CONF), gcc: hostGccVersion() })).slice(
    0,
    32,
  );
  const outDir = join(cacheDir, 'planes', planeId);
  const manifestFile = join(outDir, 'plane.json');
  if (existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as NixPlane;
    return { ...m, cached: true };
  }

  requireHostTools([HOST_TOOLS.patchelf, { command: 'gcc', debian: 'gcc' }, { command: 'unshare', debian: 'util-linux' }]);
  requireNamespaces();
  // One builder per plane at a time (tests and the image build share the cache);
  // whoever waited finds the finished plane.
  return withLock(`${outDir}.lock`, async () => {
    if (existsSync(manifestFile)) return { ...(JSON.parse(readFileSync(manifestFile, 'utf8')) as NixPlane), cached: true };
    return buildUncached(options, cacheDir, groups, allPins, planeId, outDir, manifestFile);
  });
}

/** A lock dir holding its owner (onix/owned-dirs.ts); a dead owner's (or an owner-less one older than a minute) is broken. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      claimDir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = await ownerOf(lockDir);
      let stale = owner !== null && !isAlive(owner);
      if (owner === null) {
        try {
          stale = Date.now() - lstatSync(lockDir).mtimeMs > 60_000;
        } catch {
          continue; // released meanwhile
        }
      }
      if (stale) rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

async function buildUncached(
  options: NixPlaneOptions,
  cacheDir: string,
  groups: Map<string, DebPin[]>,
  allPins: DebPin[],
  planeId: string,
  outDir: string,
  manifestFile: string,
): Promise<NixPlane> {
  const say = options.onProgress ?? (() => {});
  say('nix plane: fetching and unpacking Debian packages');
  const unpacked = await unpackAll(allPins, cacheDir, options);
  const versions = new Map(allPins.map((p) => [p.name, p.version]));

  const work = `${outDir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'etc-nix'), { recursive: true });
  const nixRoot = join(work, 'nix');
  const b = new PlaneBuilder(nixRoot, unpacked, versions);

  say('nix plane: relocating Nix and its libraries into the store');
  b.addGlibc();
  b.indexDebs(pinsOf(groups, 'nix').map((p) => p.name));
  const nix = b.addNix();
  const busybox = b.addBusybox();

  say('nix plane: seeding the nixpkgs flake inputs');
  b.indexDebs(pinsOf(groups, 'flake').map((p) => p.name));
  const rg = join(b.dir('ripgrep'), 'usr/bin/rg');
  const patchelfBin = join(b.dir('patchelf'), 'usr/bin/patchelf');
  const rgLibs = b.libsFor([rg]);
  const soItem = (soname: string) => {
    const it = rgLibs.find((i) => existsSync(join(b.store.real(i.path), 'lib', soname)));
    if (!it?.contentAddressed) throw new ImageBuildError(`ripgrep's ${soname} is not a plain seeded library`);
    return it;
  };
  const stdcxx = join(b.dir('libstdc++6'), 'usr/lib/x86_64-linux-gnu/libstdc++.so.6');
  const glprobeTmp = mkdtempSync(join(tmpdir(), 'onix-glprobe-'));
  compileGlprobe(unpacked, join(glprobeTmp, 'glprobe'));
  const seeds: Record<string, { item: StoreItem; version: string }> = {
    glibc: { item: b.glibc, version: upstreamVersion(versions.get('libc6')!) },
    busybox: { item: busybox, version: upstreamVersion(versions.get('busybox-static')!) },
    libgcc: { item: soItem('libgcc_s.so.1'), version: upstreamVersion(versions.get('libgcc-s1')!) },
    pcre2: { item: soItem('libpcre2-8.so.0'), version: upstreamVersion(versions.get('libpcre2-8-0')!) },
    libstdcxx: {
      item: b.addRaw(`libstdc++6-${upstreamVersion(versions.get('libstdc++6')!)}-unpatched`, [[realpathSync(stdcxx), 'lib/libstdc++.so.6', 0o644]]),
      version: upstreamVersion(versions.get('libstdc++6')!),
    },
    patchelf: {
      item: b.addRaw(`patchelf-${upstreamVersion(versions.get('patchelf')!)}-debian`, [[patchelfBin, 'bin/patchelf', 0o755]]),
      version: upstreamVersion(versions.get('patchelf')!),
    },
    ripgrep: {
      item: b.addRaw(`ripgrep-${upstreamVersion(versions.get('ripgrep')!)}-debian`, [[rg, 'bin/rg', 0o755]]),
      version: upstreamVersion(versions.get('ripgrep')!),
    },
    tcc: { item: b.addTcc(), version: upstreamVersion(versions.get('tcc')!) },
    libcDev: { item: b.addLibcDev(), version: upstreamVersion(versions.get('libc6-dev')!) },
    glprobe: { item: b.addRaw('glprobe-1.0-unrelocated', [[join(glprobeTmp, 'glprobe'), 'bin/glprobe', 0o755]]), version: '1.0' },
  };
  rmSync(glprobeTmp, { recursive: true, force: true });
  const seedJson: Record<string, { name: string; hash: string; version: string }> = {};
  for (const [k, s] of Object.entries(seeds)) seedJson[k] = { name: s.item.name, hash: sri(s.item.nar.hex), version: s.version };
  const flake = b.store.addContentAddressed('source', (out) => {
    writeSources('flake/', out);
    writeFileSync(join(out, 'seed.json'), `${JSON.stringify(seedJson, null, 2)}\n`);
  });
  const rooted = [flake, ...Object.values(seeds).map((s) => s.item)];
  const seed = b.store.addInputAddressed('onix-nixpkgs-seed', rooted.map((i) => i.path).join(' ') + PLANE_RECIPE, (out) => {
    mkdirSync(out);
    symlinkSync(flake.path, join(out, 'nixpkgs'));
    for (const [k, s] of Object.entries(seeds)) symlinkSync(s.item.path, join(out, k));
  });

  // /nix/var: the layout the seam and the daemon expect.
  // (per-user dirs are 0755 as Nix makes them; the daemon creates each user's own on first contact.)
  for (const d of [
    'var/nix/db',
    'var/nix/gcroots/auto',
    'var/nix/gcroots/per-user',
    'var/nix/profiles/per-user',
    'var/nix/temproots',
    'var/nix/userpool',
    'var/nix/daemon-socket',
    'var/log/nix/drvs',
  ])
    mkdirSync(join(nixRoot, d), { recursive: true });
  symlinkSync(seed.path, join(nixRoot, 'var/nix/gcroots/onix-nixpkgs-seed'));

  say(`nix plane: registering ${b.store.items.size} store paths with the plane's own Nix`);
  const confDir = mkdtempSync(join(tmpdir(), 'onix-nixconf-'));
  try {
    writeFileSync(join(confDir, 'nix.conf'), BUILD_TIME_CONF);
    mkdirSync(join(confDir, 'home'));
    const env = { PATH: `${nix.path}/bin:/usr/bin:/bin`, NIX_CONF_DIR: confDir, HOME: join(confDir, 'home'), LC_ALL: 'C' };
    const reg = await inNixNamespace(
      nixRoot,
      `nix-store --register-validity --hash-given && nix profile install --profile /nix/var/nix/profiles/default ${nix.path}`,
      { env, stdin: b.store.registrationInfo() },
    );
    if (reg.status !== 0) throw new ImageBuildError(`registering the Nix plane failed: ${reg.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    // Everything was made here, at image build: mark it locally built ("ultimate"),
    // which is what `nix store verify` trusts without signatures.
    const db = new Database(join(nixRoot, 'var/nix/db/db.sqlite'));
    db.prepare('UPDATE ValidPaths SET ultimate = 1').run();
    db.close();
    const check = await inNixNamespace(nixRoot, 'nix store verify --all && readlink -f /nix/var/nix/profiles/default', { env });
    if (check.status !== 0)
      throw new ImageBuildError(`nix store verify --all failed on the new plane: ${check.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const profile = check.stdout.trim();
    // Runtime leftovers Nix recreates: the GC's reserved-space file (8 MB), temp roots, root's per-user dirs.
    for (const f of ['var/nix/db/reserved', 'var/nix/profiles/per-user/root', 'var/nix/gcroots/per-user/root'])
      rmSync(join(nixRoot, f), { recursive: true, force: true });
    for (const f of readdirSync(join(nixRoot, 'var/nix/temproots'))) rmSync(join(nixRoot, 'var/nix/temproots', f));

    const registry = {
      version: 2,
      flakes: [{ from: { type: 'indirect', id: 'nixpkgs' }, to: { type: 'path', path: flake.path, narHash: sri(flake.nar.hex) } }],
    };
    writeFileSync(join(work, 'etc-nix/nix.conf'), SEAM_NIX_CONF + OFFLINE_CONF);
    writeFileSync(join(work, 'etc-nix/registry.json'), `${JSON.stringify(registry, null, 2)}\n`);

    const plane: NixPlane = {
      planeId,
      nixDir: join(outDir, 'nix'),
      defaultsEtcNix: join(outDir, 'etc-nix'),
      paths: { nix: nix.path, glibc: b.glibc.path, busybox: busybox.path, flake: flake.path, seed: seed.path, profile },
      sizeBytes: duBytes(nixRoot),
      cached: false,
    };
    writeFileSync(join(work, 'plane.json'), `${JSON.stringify(plane, null, 2)}\n`);
    // Another process may have finished the same plane meanwhile (the cache is shared):
    // theirs stays (someone may be reading it), ours goes.
    if (existsSync(manifestFile)) {
      rmSync(work, { recursive: true, force: true });
      return { ...(JSON.parse(readFileSync(manifestFile, 'utf8')) as NixPlane), cached: true };
    }
    rmSync(outDir, { recursive: true, force: true });
    renameSync(work, outDir);
    say(`nix plane: ${b.store.items.size} store paths, ${(plane.sizeBytes / 1e6).toFixed(1)} MB`);
    return plane;
  } finally {
    rmSync(confDir, { recursive: true, force: true });
  }
}
