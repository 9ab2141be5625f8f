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
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync,
  readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fetchDebs, readPackageList, REPO_ROOT, unpackDeb, type DebPin } from '../debs.ts';
import { ImageBuildError, requireHostTools, HOST_TOOLS } from '../host-tools.ts';
import { isElf, needed, relocate } from './elf.ts';
import { inNixNamespace, requireNamespaces } from './namespace.ts';
import { StoreBuilder, type StoreItem } from './store.ts';
import { sri } from './store-path.ts';

/** Bump when the recipe changes in a way the source hash would not show. */
const RECIPE = 'onix-nix-plane-4';
const HERE = join(REPO_ROOT, 'onix/image/nix');
/** The reviewed Debian inputs of the plane (regenerate with `npx tsx onix/image/nix/lock.ts`). */
export const NIX_PACKAGES = join(HERE, 'packages.txt');
/** Cache root (default: <repo>/.cache/nix; env ONIX_NIX_CACHE overrides). */
export const NIX_CACHE = process.env.ONIX_NIX_CACHE ? process.env.ONIX_NIX_CACHE : join(REPO_ROOT, '.cache/nix');

/** Sonames that never need a RUNPATH to be found: the executable always loads them first. */
const ALWAYS_LOADED = new Set(['libc.so.6', 'ld-linux-x86-64.so.2']);
const MULTIARCH_LIB_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu'];

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
  /** Shell snippet for /etc/profile.d/onix-nix.sh (the profile hook's default). */
  profileHook: string;
  /** Store paths other parts may want to name. */
  paths: { nix: string; glibc: string; busybox: string; flake: string; seed: string; profile: string };
  /** Apparent size of nixDir in bytes. */
  sizeBytes: number;
  /** True when the plane came from the cache. */
  cached: boolean;
}

// ---------------------------------------------------------------- inputs

/** Debian version without epoch and revision: "1:1.35.0-4+deb12u1+b1" -> "1.35.0". */
export function upstreamVersion(v: string): string {
  const noEpoch = v.replace(/^\d+:/, '');
  const i = noEpoch.lastIndexOf('-');
  return (i > 0 ? noEpoch.slice(0, i) : noEpoch).replace(/[^A-Za-z0-9+\-._?=]/g, '_');
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/**
 * Our own sources that shape the plane (this dir, minus the lock script and docs),
 * read once when this module loads: the hash that names the cache entry and
 * the files that go into the store are the same bytes as the code running,
 * even if the working tree changes while a build is under way.
 */
const SOURCES: ReadonlyMap<string, Buffer> = new Map(
  filesUnder(HERE)
    .filter((f) => basename(f) !== 'lock.ts' && !f.endsWith('.md'))
    .map((f) => [relative(HERE, f), readFileSync(f)] as const),
);

function sourcesHash(): string {
  const h = createHash('sha256');
  for (const [rel, bytes] of SOURCES) h.update(rel + '\0').update(bytes).update('\0');
  return h.digest('hex');
}

/** Writes the snapshot of our sources under `prefix` (e.g. "flake/") into `dir`. */
function writeSources(prefix: string, dir: string): void {
  for (const [rel, bytes] of SOURCES) {
    if (!rel.startsWith(prefix)) continue;
    const to = join(dir, rel.slice(prefix.length));
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, bytes);
  }
}

function hostGccVersion(): string {
  const r = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new ImageBuildError('missing host tool: gcc (install with: apt-get install gcc)');
  return r.stdout.split('\n')[0];
}

function pinsOf(groups: Map<string, DebPin[]>, name: string): DebPin[] {
  const g = groups.get(name);
  if (!g) throw new ImageBuildError(`${NIX_PACKAGES}: missing group [${name}]`);
  return g;
}

/** Fetches and unpacks (cached) every pinned deb; returns name -> unpacked dir. */
async function unpackAll(pins: DebPin[], cacheDir: string, options: NixPlaneOptions): Promise<Map<string, string>> {
  const unique = new Map(pins.map((p) => [`${p.name}=${p.version}`, p]));
  const debs = await fetchDebs([...unique.keys()], { cacheDir: options.debCacheDir, onProgress: options.onProgress });
  const out = new Map<string, string>();
  for (const p of unique.values()) {
    const dir = join(cacheDir, 'unpacked', `${p.name}_${p.version.replace(/[^A-Za-z0-9+.~-]/g, '_')}`);
    if (!existsSync(dir)) {
      const tmp = `${dir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await unpackDeb(debs.get(p.name)!, tmp);
      renameSync(tmp, dir);
    }
    out.set(p.name, dir);
  }
  return out;
}

// ---------------------------------------------------------------- ELF closure

interface SonameSource {
  deb: string;
  /** Real file (symlinks resolved inside the unpacked deb). */
  file: string;
}

/** soname -> providing deb and file, over the multiarch lib dirs of some unpacked debs. */
function sonameIndex(unpacked: Map<string, string>, debs: string[]): Map<string, SonameSource> {
  const index = new Map<string, SonameSource>();
  for (const deb of debs) {
    const root = unpacked.get(deb)!;
    for (const rel of MULTIARCH_LIB_DIRS) {
      const dir = join(root, rel);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (!/\.so(\.\d+)*$/.test(name) || index.has(name)) continue;
        let file = join(dir, name);
        const st = lstatSync(file);
        if (st.isSymbolicLink()) {
          const t = readlinkSync(file);
          file = t.startsWith('/') ? join(root, t) : join(dir, t);
          if (!existsSync(file)) continue;
        } else if (!st.isFile()) continue;
        index.set(name, { deb, file: realpathSync(file) });
      }
    }
  }
  return index;
}

interface Closure {
  /** deb -> sonames taken from it */
  libs: Map<string, Set<string>>;
  /** file -> its NEEDED */
  needs: Map<string, string[]>;
}

/** Follows DT_NEEDED from `roots` through `index`; glibc sonames and `internal` ones end the walk. */
function elfClosure(roots: string[], index: Map<string, SonameSource>, glibc: Set<string>, internal: Set<string>): Closure {
  const libs = new Map<string, Set<string>>();
  const needs = new Map<string, string[]>();
  const queue = [...roots];
  while (queue.length) {
    const file = queue.shift()!;
    if (needs.has(file)) continue;
    const n = needed(file);
    needs.set(file, n);
    for (const soname of n) {
      if (glibc.has(soname) || internal.has(soname)) continue;
      const src = index.get(soname);
      if (!src) throw new ImageBuildError(`${basename(file)} needs ${soname}, which no package in ${NIX_PACKAGES} provides`);
      const set = libs.get(src.deb) ?? libs.set(src.deb, new Set()).get(src.deb)!;
      set.add(soname);
      queue.push(src.file);
    }
  }
  return { libs, needs };
}

// ---------------------------------------------------------------- the plane

class PlaneBuilder {
  readonly store: StoreBuilder;
  glibc!: StoreItem;
  private glibcSonames = new Set<string>();
  private libItems = new Map<string, StoreItem>();
  private index = new Map<string, SonameSource>();

  constructor(
    readonly nixRoot: string,
    readonly unpacked: Map<string, string>,
    readonly versions: Map<string, string>,
  ) {
    this.store = new StoreBuilder(nixRoot);
  }

  dir(deb: string): string {
    const d = this.unpacked.get(deb);
    if (!d) throw new ImageBuildError(`${NIX_PACKAGES} does not list ${deb}`);
    return d;
  }

  addGlibc(): StoreItem {
    const src = join(this.dir('libc6'), 'lib/x86_64-linux-gnu');
    this.glibc = this.store.addContentAddressed(`glibc-${upstreamVersion(this.versions.get('libc6')!)}`, (out) => {
      mkdirSync(join(out, 'lib'), { recursive: true });
      for (const name of readdirSync(src)) {
        const st = lstatSync(join(src, name));
        if (st.isFile() || st.isSymbolicLink()) cpSync(join(src, name), join(out, 'lib', name), { verbatimSymlinks: true });
        if (/\.so(\.\d+)*$/.test(name)) this.glibcSonames.add(name);
      }
    });
    return this.glibc;
  }

  indexDebs(debs: string[]): void {
    for (const [k, v] of sonameIndex(this.unpacked, debs.filter((d) => d !== 'libc6'))) if (!this.index.has(k)) this.index.set(k, v);
  }

  closure(roots: string[], internal = new Set<string>()): Closure {
    return elfClosure(roots, this.index, this.glibcSonames, internal);
  }

  /**
   * The store path of one Debian library package: the sonames a closure took
   * from it (`libs`), its direct dependencies first. Content-addressed and
   * untouched when its libraries need nothing but libc; otherwise RUNPATH =
   * store glibc + the store paths of its direct dependencies.
   */
  libItem(deb: string, libs: Map<string, Set<string>>, stack: string[] = []): StoreItem {
    const sonames = libs.get(deb)!;
    const key = `${deb}:${[...sonames].sort().join(',')}`;
    const have = this.libItems.get(key);
    if (have) return have;
    if (stack.includes(deb)) throw new ImageBuildError(`library cycle: ${[...stack, deb].join(' -> ')}`);
    const files = [...sonames].sort().map((s) => ({ soname: s, file: this.index.get(s)!.file }));
    const direct = new Set(files.flatMap((f) => needed(f.file)));
    const depDebs = new Set<string>();
    for (const s of direct) {
      if (this.glibcSonames.has(s) || sonames.has(s)) continue;
      depDebs.add(this.index.get(s)!.deb);
    }
    const depItems = [...depDebs].sort().map((d) => this.libItem(d, libs, [...stack, deb]));
    const name = `${deb}-${upstreamVersion(this.versions.get(deb)!)}`;
    const copy = (out: string) => {
      mkdirSync(join(out, 'lib'), { recursive: true });
      for (const f of files) {
        copyFileSync(f.file, join(out, 'lib', f.soname));
        chmodSync(join(out, 'lib', f.soname), 0o644);
      }
    };
    const needsSibling = [...direct].some((s) => sonames.has(s));
    let item: StoreItem;
    if ([...direct].every((s) => ALWAYS_LOADED.has(s))) {
      item = this.store.addContentAddressed(name, copy);
    } else {
      // A library needing a sibling from the same package finds it through its own lib dir.
      const deps = [this.glibc.path, ...depItems.map((i) => i.path)].map((p) => `${p}/lib`);
      const inputs = `${deb}=${this.versions.get(deb)}|${key}|${deps.join(':')}|${needsSibling}|${RECIPE}`;
      item = this.store.addInputAddressed(name, inputs, (out, self) => {
        copy(out);
        const runpath = [...(needsSibling ? [`${self}/lib`] : []), ...deps].join(':');
        for (const f of files) relocate(join(out, 'lib', f.soname), { runpath });
      });
    }
    this.libItems.set(key, item);
    return item;
  }

  /** Library items for everything `roots` need (outside glibc and `internal`). */
  libsFor(roots: string[], internal = new Set<string>()): StoreItem[] {
    const c = this.closure(roots, internal);
    return [...c.libs.keys()].sort().map((deb) => this.libItem(deb, c.libs));
  }

  addNix(): StoreItem {
    const root = this.dir('nix-bin');
    const libDir = join(root, 'usr/lib/nix');
    const ownLibs = readdirSync(libDir).filter((n) => n.endsWith('.so'));
    const elfs = [join(root, 'usr/bin/nix'), ...ownLibs.map((n) => join(libDir, n))];
    const deps = this.libsFor(elfs, new Set(ownLibs));
    const version = upstreamVersion(this.versions.get('nix-bin')!).replace(/^(\d+\.\d+\.\d+).*/, '$1');
    const depDirs = [this.glibc, ...deps].map((i) => `${i.path}/lib`);
    const inputs = `nix-bin=${this.versions.get('nix-bin')}|${depDirs.join(':')}|${RECIPE}`;
    return this.store.addInputAddressed(`nix-${version}`, inputs, (out, self) => {
      const runpath = [`${self}/lib`, ...depDirs].join(':');
      mkdirSync(join(out, 'bin'), { recursive: true });
      mkdirSync(join(out, 'lib'), { recursive: true });
      mkdirSync(join(out, 'libexec/nix'), { recursive: true });
      copyFileSync(join(root, 'usr/bin/nix'), join(out, 'bin/nix'));
      relocate(join(out, 'bin/nix'), { interpreter: `${this.glibc.path}/lib/ld-linux-x86-64.so.2`, runpath });
      for (const name of readdirSync(join(root, 'usr/bin'))) {
        if (name !== 'nix' && lstatSync(join(root, 'usr/bin', name)).isSymbolicLink()) symlinkSync('nix', join(out, 'bin', name));
      }
      for (const n of ownLibs) {
        copyFileSync(join(libDir, n), join(out, 'lib', n));
        relocate(join(out, 'lib', n), { runpath });
      }
      symlinkSync('../../bin/nix', join(out, 'libexec/nix/build-remote'));
    });
  }

  addBusybox(): StoreItem {
    const bb = join(this.dir('busybox-static'), 'bin/busybox');
    const list = spawnSync(bb, ['--list'], { encoding: 'utf8' });
    if (list.status !== 0) throw new ImageBuildError(`cannot list busybox applets: ${list.stderr}`);
    return this.store.addContentAddressed(`busybox-${upstreamVersion(this.versions.get('busybox-static')!)}`, (out) => {
      mkdirSync(join(out, 'bin'), { recursive: true });
      copyFileSync(bb, join(out, 'bin/busybox'));
      chmodSync(join(out, 'bin/busybox'), 0o755);
      for (const applet of list.stdout.split('\n').filter(Boolean)) if (applet !== 'busybox') symlinkSync('busybox', join(out, 'bin', applet));
    });
  }

  /** Debian's tcc, unmodified (run through the store loader): bin/tcc, lib/tcc/{libtcc1.a,include}. */
  addTcc(): StoreItem {
    const root = this.dir('tcc');
    return this.store.addContentAddressed(`tcc-${upstreamVersion(this.versions.get('tcc')!).replace(/\+.*/, '')}-debian`, (out) => {
      mkdirSync(join(out, 'bin'), { recursive: true });
      copyFileSync(join(root, 'usr/bin/tcc'), join(out, 'bin/tcc'));
      chmodSync(join(out, 'bin/tcc'), 0o755);
      mkdirSync(join(out, 'lib/tcc'), { recursive: true });
      copyFileSync(join(root, 'usr/lib/x86_64-linux-gnu/tcc/libtcc1.a'), join(out, 'lib/tcc/libtcc1.a'));
      cpSync(join(root, 'usr/lib/x86_64-linux-gnu/tcc/include'), join(out, 'lib/tcc/include'), { recursive: true });
    });
  }

  /** What a C program needs to link against glibc: glibc's and Linux's headers, crt objects, libc_nonshared.a. */
  addLibcDev(): StoreItem {
    const dev = this.dir('libc6-dev');
    const linux = join(this.dir('linux-libc-dev'), 'usr/include');
    return this.store.addContentAddressed(`glibc-${upstreamVersion(this.versions.get('libc6-dev')!)}-dev`, (out) => {
      cpSync(join(dev, 'usr/include'), join(out, 'include'), { recursive: true, verbatimSymlinks: true });
      for (const d of ['linux', 'asm-generic', 'x86_64-linux-gnu/asm'])
        cpSync(join(linux, d), join(out, 'include', d), { recursive: true, verbatimSymlinks: true });
      mkdirSync(join(out, 'lib'));
      for (const f of ['crt1.o', 'crti.o', 'crtn.o', 'libc_nonshared.a'])
        copyFileSync(join(dev, 'usr/lib/x86_64-linux-gnu', f), join(out, 'lib', f));
    });
  }

  /** A content-addressed item holding unmodified files: [source, path inside the item, mode]. */
  addRaw(name: string, files: [string, string, number][]): StoreItem {
    return this.store.addContentAddressed(name, (out) => {
      for (const [src, rel, mode] of files) {
        mkdirSync(dirname(join(out, rel)), { recursive: true });
        copyFileSync(src, join(out, rel));
        chmodSync(join(out, rel), mode);
      }
    });
  }
}

/** Compiles glprobe on the host against the unpacked EGL/GLES headers and glvnd libraries. */
function compileGlprobe(unpacked: Map<string, string>, outFile: string): void {
  const L = 'usr/lib/x86_64-linux-gnu';
  const src = join(dirname(outFile), 'glprobe.c');
  writeFileSync(src, SOURCES.get('glprobe/glprobe.c')!);
  const d = (n: string) => unpacked.get(n)!;
  const args = [
    '-O2', '-Wall', '-Werror', '-o', outFile, src,
    '-I', join(d('libegl-dev'), 'usr/include'), '-I', join(d('libgles-dev'), 'usr/include'), '-I', join(d('libgl-dev'), 'usr/include'),
    join(d('libegl1'), L, 'libEGL.so.1'), join(d('libgles2'), L, 'libGLESv2.so.2'),
    `-Wl,-rpath-link,${join(d('libglvnd0'), L)}`, '-Wl,--build-id=none', '-s',
  ];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new ImageBuildError(`compiling glprobe failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
}

const NIX_CONF = `# ONIX defaults for Nix (onix-nix-integration). /etc/nix/nix.conf is seeded
# from this file when absent; a changed /etc/nix/nix.conf is local drift.
build-users-group = nixbld
sandbox = true
auto-optimise-store = true
allowed-users = @users
trusted-users = root
experimental-features = nix-command flakes
# The machine is offline: no binary caches, and the flake registry is the
# local one (which names the store's nixpkgs flake).
substituters =
flake-registry = /etc/nix/registry.json
# Debian's Nix was built for /usr/libexec; the build hook comes from the same Nix
# as the daemon (root's default profile), never from the machine plane.
build-hook = /nix/var/nix/profiles/default/libexec/nix/build-remote
`;

const PROFILE_HOOK = `# onix-nix-integration: the Nix profiles on PATH in login shells.
if [ -d /nix/var/nix/profiles/default/bin ]; then
  NIX_PROFILES="/nix/var/nix/profiles/default $HOME/.nix-profile"
  export NIX_PROFILES
  if [ "$(id -u)" != 0 ]; then NIX_REMOTE=daemon; export NIX_REMOTE; fi
  case ":$PATH:" in *":$HOME/.nix-profile/bin:"*) ;; *) PATH="$HOME/.nix-profile/bin:/nix/var/nix/profiles/default/bin:$PATH" ;; esac
  export PATH
fi
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
  const planeId = sha256(JSON.stringify({ RECIPE, pins: allPins, src: sourcesHash(), gcc: hostGccVersion() })).slice(0, 32);
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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock dir holding the owner's pid; a dead owner's (or a pid-less one older than a minute) is broken. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        stale = !pidAlive(Number(readFileSync(join(lockDir, 'pid'), 'utf8')));
      } catch {
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
    if (!it || !it.contentAddressed) throw new ImageBuildError(`ripgrep's ${soname} is not a plain seeded library`);
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
    patchelf: { item: b.addRaw(`patchelf-${upstreamVersion(versions.get('patchelf')!)}-debian`, [[patchelfBin, 'bin/patchelf', 0o755]]), version: upstreamVersion(versions.get('patchelf')!) },
    ripgrep: { item: b.addRaw(`ripgrep-${upstreamVersion(versions.get('ripgrep')!)}-debian`, [[rg, 'bin/rg', 0o755]]), version: upstreamVersion(versions.get('ripgrep')!) },
    tcc: { item: b.addTcc(), version: upstreamVersion(versions.get('tcc')!) },
    libcDev: { item: b.addLibcDev(), version: upstreamVersion(versions.get('libc6-dev')!) },
    glprobe: { item: b.addRaw('glprobe-1.0-unrelocated', [[join(glprobeTmp, 'glprobe'), 'bin/glprobe', 0o755]]), version: '1.0' },
  };
  rmSync(glprobeTmp, { recursive: true, force: true });
  const seedJson: Record<string, { name: string; hash: string; version: string }> = {};
  for (const [k, s] of Object.entries(seeds)) seedJson[k] = { name: s.item.name, hash: sri(s.item.nar.hex), version: s.version };
  const flake = b.store.addContentAddressed('source', (out) => {
    writeSources('flake/', out);
    writeFileSync(join(out, 'seed.json'), JSON.stringify(seedJson, null, 2) + '\n');
  });
  const rooted = [flake, ...Object.values(seeds).map((s) => s.item)];
  const seed = b.store.addInputAddressed('onix-nixpkgs-seed', rooted.map((i) => i.path).join(' ') + RECIPE, (out) => {
    mkdirSync(out);
    symlinkSync(flake.path, join(out, 'nixpkgs'));
    for (const [k, s] of Object.entries(seeds)) symlinkSync(s.item.path, join(out, k));
  });

  // /nix/var: the layout the seam and the daemon expect.
  // (per-user dirs are 0755 as Nix makes them; the daemon creates each user's own on first contact.)
  for (const d of ['var/nix/db', 'var/nix/gcroots/auto', 'var/nix/gcroots/per-user', 'var/nix/profiles/per-user', 'var/nix/temproots', 'var/nix/userpool', 'var/nix/daemon-socket', 'var/log/nix/drvs'])
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
    if (check.status !== 0) throw new ImageBuildError(`nix store verify --all failed on the new plane: ${check.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const profile = check.stdout.trim();
    // Runtime leftovers Nix recreates: the GC's reserved-space file (8 MB), temp roots, root's per-user dirs.
    for (const f of ['var/nix/db/reserved', 'var/nix/profiles/per-user/root', 'var/nix/gcroots/per-user/root'])
      rmSync(join(nixRoot, f), { recursive: true, force: true });
    for (const f of readdirSync(join(nixRoot, 'var/nix/temproots'))) rmSync(join(nixRoot, 'var/nix/temproots', f));

    const registry = {
      version: 2,
      flakes: [{ from: { type: 'indirect', id: 'nixpkgs' }, to: { type: 'path', path: flake.path, narHash: sri(flake.nar.hex) } }],
    };
    writeFileSync(join(work, 'etc-nix/nix.conf'), NIX_CONF);
    writeFileSync(join(work, 'etc-nix/registry.json'), JSON.stringify(registry, null, 2) + '\n');
    writeFileSync(join(work, 'onix-nix.sh'), PROFILE_HOOK);

    const plane: NixPlane = {
      planeId,
      nixDir: join(outDir, 'nix'),
      defaultsEtcNix: join(outDir, 'etc-nix'),
      profileHook: join(outDir, 'onix-nix.sh'),
      paths: { nix: nix.path, glibc: b.glibc.path, busybox: busybox.path, flake: flake.path, seed: seed.path, profile },
      sizeBytes: duBytes(nixRoot),
      cached: false,
    };
    writeFileSync(join(work, 'plane.json'), JSON.stringify(plane, null, 2) + '\n');
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
