// The ONIX test image: a root tree whose machine plane is in moss's format.
//
//   stones (cached one by one under <image cache>/stones/)
//     filesystem, musl, busybox and dropbear (Debian source built against musl), linux
//     (+ our initramfs), glibc, mesa 22.3.6 (release 1) and mesa 25.0.7 (release 2), onix-cli,
//     onix-nix-integration, onix-hello (in the local repository only, for `moss install`),
//     and onix-manifest (the image manifest, manifest-writer.ts, made from all the others)
//   assembled (cached under <image cache>/images/<imageId>/rootfs) with the moss library:
//     state 1 "Install": everything with Mesa 22.3.6          (N-1)
//     state 2 "Sync":    `moss sync` from the local repo -> Mesa 25.0.7   (N, active)
//   then /etc seeded from the shipped defaults with per-build passwords, runtime
//   dirs, and the Nix plane from onix/image/nix/plane.ts when it exists.
//
// Over 300 lines on purpose: the image's build in order, stone by stone and then the two
// states, reads as one recipe; each stone's own recipe lives in recipes/.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { applyPlan, compileStatic, helperSource, initRoot, installStones, planSync, StoneRepository, type Stone, type StoneMeta } from '../moss/index.ts';
import { describeImage, MANIFEST_STONE, manifestRecipe, stoneKey } from './manifest-writer.ts';
import { linkOrCopy } from '../moss/store.ts';
import { fetchDebs, IMAGE_CACHE, readPackageList, type DebPin } from './debs.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';
import { buildNixPlane, type NixPlane } from './nix/plane.ts';
import { NIX_PACKAGES } from './nix/plane-inputs.ts';
import type { MachineImage } from '../machine/image.ts';
import { filesystemRecipe, FILES, helloRecipe, muslRecipe } from './recipes/base.ts';
import { kernelRecipe } from './recipes/kernel.ts';
import { busyboxMuslRecipe } from './recipes/busybox-musl.ts';
import { dropbearMuslRecipe } from './recipes/dropbear-musl.ts';
import { muslToolchain } from './musl-toolchain.ts';
import { fetchSource } from './source-packages.ts';
import { glibcRecipe, GLIBC_PACKAGES, mesaRecipe } from './recipes/mesa.ts';
import { bundleEntryPoints, onixCliRecipe } from './recipes/onix-cli.ts';
import { SOCKET_ACTIVATE_SOURCE, seamRecipe } from './recipes/seam.ts';
import { systemdBootRecipe } from './recipes/systemd-boot.ts';
import { cachedStone, hashFiles, hashText, publishDir, type CachedStone, type StoneRecipe } from './stone-cache.ts';
import { task, type Progress } from '../task.ts';
import { claimDir, releaseDir, sweepImageStaging } from '../owned-dirs.ts';

/** Bump when the assembly (not a stone) changes. */
const ASSEMBLY_VERSION = '2';

export const MESA_OLD = '22.3.6';
export const MESA_NEW = '25.0.7';

export interface BuildImageOptions {
  /** Progress lines (default: silent). */
  onProgress?: Progress;
  /** Cache root (default: IMAGE_CACHE: ~/.cache/onix-os/image, or $ONIX_IMAGE_CACHE). */
  cacheDir?: string;
  /** Include the Nix plane (onix/image/nix/plane.ts) (default: true). */
  nixPlane?: boolean;
}

/** The finished image: what machines boot (onix/machine/image.ts). */
export type BuiltImage = MachineImage;

/** What the build records next to the rootfs (images/<id>/image.json). */
export interface ImageInfo {
  imageId: string;
  kernel: string;
  states: { id: number; summary: string; mesa: string }[];
  activeState: number;
  stones: { id: string; key: string }[];
  nixPlane: boolean;
  bundled: string[];
}

function pinsOf(groups: Map<string, DebPin[]>, name: string): DebPin[] {
  const pins = groups.get(name);
  if (!pins) throw new ImageBuildError(`onix/image/packages.txt has no [${name}] group`);
  return pins;
}

const req = (pins: DebPin[]) => pins.map((p) => `${p.name}=${p.version}`);

function missingPin(group: string, name: string): never {
  throw new ImageBuildError(`onix/image/packages.txt [${group}] lacks ${name}`);
}

/** A static C helper (moss-exchange, moss-container, the seam's socket-activate), built once per source change under <image cache>/bin/. */
function staticBinary(cacheDir: string, name: string, source: string): string {
  const out = join(cacheDir, 'bin', `${name}-${hashFiles([source]).slice(0, 12)}`);
  if (!existsSync(out) && !compileStatic(source, out))
    throw new ImageBuildError(`cannot build ${name} from ${source}: install musl-tools (or gcc with static glibc)`);
  return out;
}

async function maybeNixPlane(enabled: boolean, progress: Progress): Promise<NixPlane | undefined> {
  if (!enabled) return undefined;
  return task(progress, 'Nix plane (onix/image/nix/plane.ts)', () => buildNixPlane({ onProgress: progress }));
}

/** Copies a cached stone's assets and index entry into the image's local repository (hard links). */
function publish(repo: StoneRepository, c: CachedStone): Stone {
  for (const e of c.stone.layout) if (e.type === 'regular') linkOrCopy(c.repo.assetPath(e.hash), repo.assetPath(e.hash));
  return repo.add(c.stone.meta, c.stone.layout);
}

let building: Promise<BuiltImage> | undefined;

/** Builds the image, or returns the cached one for the same inputs. Concurrent calls share one build. */
export function buildImage(options: BuildImageOptions = {}): Promise<BuiltImage> {
  building ??= build(options).finally(() => {
    building = undefined;
  });
  return building;
}

/**
 * Every stone of the image, in `recipes` order, built side by side: the source builds spend
 * their time in make and the compiler, the others in this process (unpacking, hashing, writing
 * the stone), so `compiled` start first and the rest fill the cores meanwhile. Every build
 * settles before the first failure is thrown: none is left running behind the error.
 */
async function buildStones(recipes: StoneRecipe[], compiled: StoneRecipe[], progress: (line: string) => void, cacheDir: string): Promise<CachedStone[]> {
  const started = new Map<StoneRecipe, Promise<CachedStone>>();
  for (const r of [...compiled, ...recipes]) if (!started.has(r)) started.set(r, cachedStone(r, progress, cacheDir));
  const settled = await Promise.allSettled(recipes.map((r) => started.get(r)!));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<CachedStone>).value);
}

async function build(options: BuildImageOptions): Promise<BuiltImage> {
  const progress = options.onProgress ?? (() => {});
  const cacheDir = options.cacheDir ?? IMAGE_CACHE;
  requireHostTools([HOST_TOOLS.apt, HOST_TOOLS.dpkgDeb, HOST_TOOLS.flock, HOST_TOOLS.patchelf, HOST_TOOLS.musl]);
  if (process.getuid?.() !== 0) throw new ImageBuildError('the image is built as root (files in the tree must be owned by root): run as root');

  const groups = readPackageList();
  const [baseDebs, glibcDebs, mesaOldDebs, mesaNewDebs, muslBuildDebs] = await task(progress, 'Debian packages', async () => [
    await fetchDebs(req(pinsOf(groups, 'base')), { cacheDir, onProgress: progress }),
    await fetchDebs(req(pinsOf(groups, 'node-runtime')), { cacheDir, onProgress: progress }),
    await fetchDebs(req(pinsOf(groups, `mesa-${MESA_OLD}`)), { cacheDir, onProgress: progress }),
    await fetchDebs(req(pinsOf(groups, `mesa-${MESA_NEW}`)), { cacheDir, onProgress: progress }),
    await fetchDebs(req(pinsOf(groups, 'musl-build')), { cacheDir, onProgress: progress }),
  ]);
  const sources = await task(progress, 'Debian source packages', async () => {
    const out = new Map<string, { pin: DebPin; dsc: string }>();
    for (const pin of pinsOf(groups, 'source')) out.set(pin.name, { pin, dsc: await fetchSource(pin, { cacheDir, onProgress: progress }) });
    return out;
  });
  const sourceOf = (name: string) => sources.get(name) ?? missingPin('source', name);
  const musl = pinsOf(groups, 'base').find((p) => p.name === 'musl') ?? missingPin('base', 'musl');
  const headersPin = pinsOf(groups, 'musl-build').find((p) => p.name === 'linux-libc-dev') ?? missingPin('musl-build', 'linux-libc-dev');
  const headers = { pin: headersPin, deb: muslBuildDebs.get('linux-libc-dev')! };
  const toolchain = muslToolchain(musl);
  const systemdBootPin = pinsOf(groups, 'base').find((p) => p.name === 'systemd-boot-efi') ?? missingPin('base', 'systemd-boot-efi');
  const kernelPkg = pinsOf(groups, 'base').find((p) => p.name.startsWith('linux-source-'));
  if (!kernelPkg) throw new ImageBuildError('onix/image/packages.txt [base] names no linux-source-* package');
  for (const n of GLIBC_PACKAGES) if (!glibcDebs.has(n)) throw new ImageBuildError(`onix/image/packages.txt [node-runtime] lacks ${n}`);

  const exchange = staticBinary(cacheDir, 'moss-exchange', helperSource('exchange'));
  const container = staticBinary(cacheDir, 'moss-container', helperSource('container'));
  // Staging trees of killed builds are removed first; this build's own name their owner.
  await sweepImageStaging(cacheDir);
  const bundleDir = join(cacheDir, 'bundle', String(process.pid));
  rmSync(bundleDir, { recursive: true, force: true });
  mkdirSync(bundleDir, { recursive: true });
  claimDir(bundleDir);
  // Bundles made by this checkout are kept per checkout (the cache is shared by every clone).
  const keptBundles = join(cacheDir, 'bundle', `checkout-${hashText(REPO_ROOT).slice(0, 16)}`);
  const bundled = await task(progress, 'bundle onix, moss, onix-agent (esbuild)', () => bundleEntryPoints(bundleDir, keptBundles));
  const nix = await maybeNixPlane(options.nixPlane ?? true, progress);

  const busybox = busyboxMuslRecipe(sourceOf('busybox'), headers, toolchain);
  const dropbear = dropbearMuslRecipe(sourceOf('dropbear'), headers, toolchain);
  const recipes = [
    filesystemRecipe(),
    busybox,
    muslRecipe(baseDebs.get('musl')!),
    kernelRecipe(baseDebs.get(kernelPkg.name)!, baseDebs.get('busybox-static')!, exchange, cacheDir, progress),
    systemdBootRecipe(baseDebs.get('systemd-boot-efi') ?? missingPin('base', 'systemd-boot-efi'), systemdBootPin.version),
    glibcRecipe(glibcDebs),
    mesaRecipe(MESA_OLD, 1, pinsOf(groups, `mesa-${MESA_OLD}`), mesaOldDebs),
    mesaRecipe(MESA_NEW, 2, pinsOf(groups, `mesa-${MESA_NEW}`), mesaNewDebs),
    onixCliRecipe(glibcDebs, bundleDir, bundled, { exchange, container }),
    seamRecipe(staticBinary(cacheDir, 'socket-activate', SOCKET_ACTIVATE_SOURCE), nix?.defaultsEtcNix),
    dropbear,
    helloRecipe(),
  ];
  /** Offered by the image's local repository, installed by no state. */
  const repoOnly = new Set(['onix-hello']);
  const stones = await task(progress, 'stones', () => buildStones(recipes, [busybox, dropbear], progress, cacheDir));
  rmSync(bundleDir, { recursive: true, force: true });
  const manifest = await task(progress, 'image manifest', async () => {
    const meta = {
      name: MANIFEST_STONE,
      version: '1',
      release: 1,
      summary: 'the image manifest: every stone, its sources and libc, the glibc islands',
      licenses: ['MPL-2.0'],
    };
    const described = describeImage(
      stones,
      { meta },
      {
        groups,
        toolchain,
        states: stateSelections([...stones.map((s) => s.stone.meta), meta], repoOnly),
        node: process.version,
        betterSqlite3: (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version,
        nix: nix ? { storePath: nix.paths.nix, pins: readPackageList(NIX_PACKAGES).get('nix') ?? [] } : undefined,
      },
    );
    stones.push(await cachedStone(manifestRecipe(meta, described), progress, cacheDir));
    return described;
  });

  const imageId = hashText(
    ASSEMBLY_VERSION,
    hashFiles([join(REPO_ROOT, 'onix/image/build.ts'), join(FILES, 'passwd')]),
    ...stones.map((s) => s.key),
    nix ? `nix:${nix.nixDir}` : 'nix:none',
  ).slice(0, 20);
  const dir = join(cacheDir, 'images', imageId);
  const rootfs = join(dir, 'rootfs');
  if (existsSync(join(dir, 'image.json'))) {
    // Marks it used: clones share the cache, and pruning keeps what any of them used last.
    const now = new Date();
    utimesSync(dir, now, now);
    progress(`image ${imageId} is up to date: ${rootfs}`);
    return { imageId, rootfs };
  }

  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  claimDir(work);
  const info = await task(progress, `assemble image ${imageId}`, () => assemble(join(work, 'rootfs'), work, stones, repoOnly, nix, imageId, bundled));
  writeFileSync(join(work, 'image.json'), `${JSON.stringify(info, null, 2)}\n`);
  writeFileSync(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  releaseDir(work);
  publishDir(work, dir, 'image.json');
  pruneOldImages(join(cacheDir, 'images'), imageId);
  progress(`image ${imageId} ready: ${rootfs}`);
  return { imageId, rootfs };
}

/**
 * The stones each state installs (stoneKey), by summary: "Install" is every stone but the
 * repository-only ones and the newer Mesa; "Sync" swaps the Mesa (assemble() checks
 * that `moss sync` plans exactly that). The manifest records them before assembly.
 */
function stateSelections(stones: StoneMeta[], repoOnly: Set<string>): { summary: string; stones: string[] }[] {
  const base = stones.filter((s) => !repoOnly.has(s.name) && s.name !== 'mesa').map(stoneKey);
  const mesa = (v: string) => stones.filter((s) => s.name === 'mesa' && s.version === v).map(stoneKey);
  return [
    { summary: 'Install', stones: [...base, ...mesa(MESA_OLD)] },
    { summary: 'Sync', stones: [...base, ...mesa(MESA_NEW)] },
  ];
}

async function assemble(
  rootfs: string,
  work: string,
  stones: CachedStone[],
  repoOnly: Set<string>,
  nix: NixPlane | undefined,
  imageId: string,
  bundled: string[],
): Promise<ImageInfo> {
  mkdirSync(rootfs, { recursive: true });
  initRoot(rootfs);
  const repo = StoneRepository.open(join(rootfs, '.moss/repo/local'), true);
  const published = stones.map((s) => publish(repo, s));
  const mesa = published.filter((s) => s.meta.name === 'mesa');
  const oldMesa = mesa.find((s) => s.meta.version === MESA_OLD)!;
  const firstState = published.filter((s) => s.meta.name !== 'mesa' && !repoOnly.has(s.meta.name)).concat(oldMesa);
  const stateOld = installStones(rootfs, repo, firstState, { summary: 'Install', description: `ONIX base with Mesa ${MESA_OLD}` });
  const plan = planSync(rootfs, [repo]);
  if (plan.changes.map((c) => `${c.name} ${c.stone.meta.version}`).join() !== `mesa ${MESA_NEW}`)
    throw new ImageBuildError(`moss sync planned ${plan.changes.map((c) => c.name).join(', ') || 'nothing'}, expected the Mesa update`);
  const stateNew = applyPlan(rootfs, plan, 'Sync');

  // /etc: local configuration, seeded from the shipped defaults; passwords made for this build.
  const etc = join(rootfs, 'etc');
  mkdirSync(etc, { recursive: true });
  const defaults = join(rootfs, 'usr/share/defaults/etc');
  for (const f of ['inittab', 'profile', 'hostname', 'hosts']) cpSync(join(defaults, f), join(etc, f));
  for (const f of ['passwd', 'group']) cpSync(join(rootfs, 'usr/share/onix/accounts', f), join(etc, f));
  symlinkSync('../usr/lib/os-release', join(etc, 'os-release'));
  const secrets = { root: randomBytes(12).toString('base64url'), alice: randomBytes(12).toString('base64url') };
  // The image's busybox is linked against the image's musl: run it through that loader.
  // `--`: a base64url password may start with "-" and must not be read as an option.
  const crypt = (pw: string) =>
    execFileSync(join(rootfs, 'usr/lib/ld-musl-x86_64.so.1'), [join(rootfs, 'usr/bin/busybox'), 'mkpasswd', '-m', 'sha512', '--', pw], {
      encoding: 'utf8',
    }).trim();
  writeFileSync(join(etc, 'shadow'), `root:${crypt(secrets.root)}:1::::::\nnobody:!:1::::::\nalice:${crypt(secrets.alice)}:1::::::\n`, { mode: 0o600 });
  writeFileSync(join(work, 'secrets.json'), `${JSON.stringify(secrets)}\n`, { mode: 0o600 });

  for (const [d, mode] of [
    ['proc', 0o555],
    ['sys', 0o555],
    ['dev', 0o755],
    ['run', 0o755],
    ['tmp', 0o1777],
    ['root', 0o700],
    ['home', 0o755],
    ['mnt', 0o755],
    ['var', 0o755],
    ['var/empty', 0o755],
    ['var/log', 0o755],
    ['var/tmp', 0o1777],
    ['nix', 0o755],
  ] as const) {
    mkdirSync(join(rootfs, d), { recursive: true });
    chmodSync(join(rootfs, d), mode);
  }
  mkdirSync(join(rootfs, 'home/alice'), { recursive: true });
  chownSync(join(rootfs, 'home/alice'), 1000, 100);
  if (nix) cpSync(nix.nixDir, join(rootfs, 'nix'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  for (const d of [
    'store',
    'var/nix/daemon-socket',
    'var/nix/gcroots/per-user',
    'var/nix/profiles/per-user',
    'var/nix/temproots',
    'var/nix/db',
    'var/log/nix/drvs',
  ])
    mkdirSync(join(rootfs, 'nix', d), { recursive: true });

  const kernel = readdirSync(join(rootfs, 'usr/lib/kernel'))[0];
  return {
    imageId,
    kernel,
    states: [
      { id: stateOld, summary: 'Install', mesa: MESA_OLD },
      { id: stateNew, summary: 'Sync', mesa: MESA_NEW },
    ],
    activeState: stateNew,
    stones: stones.map((s) => ({ id: s.stone.id, key: s.key })),
    nixPlane: !!nix,
    bundled,
  };
}

/**
 * Removes images beyond the newest three that are over an hour old (another process
 * may still be making a disk from a recent one). They share most inodes with the stone cache.
 */
function pruneOldImages(imagesDir: string, keep: string): void {
  const hourAgo = Date.now() - 3600_000;
  const dirs = readdirSync(imagesDir)
    .filter((d) => /^[0-9a-f]{20}$/.test(d) && d !== keep)
    .map((d) => ({ d, t: statSync(join(imagesDir, d)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { d, t } of dirs.slice(2)) if (t < hourAgo) rmSync(join(imagesDir, d), { recursive: true, force: true });
  // Stones no remaining image uses, also over an hour old (an onix-cli stone is ~130 MB).
  const used = new Set<string>();
  for (const d of readdirSync(imagesDir)) {
    const file = join(imagesDir, d, 'image.json');
    if (existsSync(file)) for (const st of (JSON.parse(readFileSync(file, 'utf8')) as ImageInfo).stones) used.add(st.key);
  }
  const stonesDir = join(imagesDir, '../stones');
  if (existsSync(stonesDir))
    for (const d of readdirSync(stonesDir)) {
      const key = /-([0-9a-f]{16})$/.exec(d)?.[1];
      if (key && !used.has(key) && statSync(join(stonesDir, d)).mtimeMs < hourAgo) rmSync(join(stonesDir, d), { recursive: true, force: true });
    }
}

/** The recorded info of a built image. */
export function readImageInfo(rootfs: string): ImageInfo {
  return JSON.parse(readFileSync(join(rootfs, '../image.json'), 'utf8')) as ImageInfo;
}
