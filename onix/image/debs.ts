// The Debian package fetcher every image part uses.
//
// A private apt configuration (its own sources list with bookworm and
// bookworm-backports from deb.debian.org, plus bookworm's deb-src for the
// packages built from source (source-packages.ts), its own lists/cache/state dirs under
// <image cache>/apt, an empty dpkg status) drives `apt-get update` and
// `apt-get download`; the host's apt sources and state are never read or
// written. Downloaded .debs are cached by name and version under
// <image cache>/debs, so a warm build needs no network at all when versions are
// pinned (onix/image/packages.txt). Unpacking is `dpkg-deb -x`.
//
// Requests are strings:
//   "busybox-static"                     pinned version from packages.txt if it pins exactly one,
//                                        else apt's candidate (bookworm; backports only on request)
//   "libegl-mesa0=25.0.7-2~bpo12+1"      exactly that version
//   "libegl-mesa0/bookworm-backports"    that suite's version
//
// Over 300 lines on purpose: the private apt configuration, the package list's pins and the
// download cache are one fetcher's parts, each used only through fetchDebs and resolveVersions.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEBIAN_KEYRING, HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';
import { CACHE_HOME } from '../cache-home.ts';
import { REPO_ROOT } from '../repo-root.ts';

export { ImageBuildError } from './host-tools.ts';

/** Cache root of the image build, shared by every clone (default: <cache home>/image; env ONIX_IMAGE_CACHE overrides). */
export const IMAGE_CACHE = process.env.ONIX_IMAGE_CACHE ? resolve(process.env.ONIX_IMAGE_CACHE) : join(CACHE_HOME, 'image');
/** The reviewed list of packages and pinned versions. */
export const PACKAGE_LIST = join(REPO_ROOT, 'onix/image/packages.txt');

const MIRROR = 'http://deb.debian.org/debian';
const SUITES = ['bookworm', 'bookworm-backports'] as const;
/** The suite whose source packages the musl builds take (deb-src). */
export const SOURCE_SUITE = 'bookworm';

/** A resolved package: name and exact Debian version. */
export interface DebPin {
  name: string;
  version: string;
}

export interface FetchDebsOptions {
  /** Cache root (default: IMAGE_CACHE). */
  cacheDir?: string;
  /** Called with one short line per download step (default: silent). */
  onProgress?: (line: string) => void;
}

function aptPaths(cacheDir: string) {
  const apt = join(cacheDir, 'apt');
  return {
    apt,
    conf: join(apt, 'etc/apt.conf'),
    lock: join(apt, 'lock'),
    lists: join(apt, 'state/lists'),
    debs: join(cacheDir, 'debs'),
  };
}

/** Writes the private apt configuration (idempotent) and returns its paths. */
export function aptConfig(cacheDir = IMAGE_CACHE) {
  const p = aptPaths(cacheDir);
  for (const d of ['etc/apt.conf.d', 'etc/sources.list.d', 'etc/preferences.d', 'state/lists/partial', 'cache/archives/partial'])
    mkdirSync(join(p.apt, d), { recursive: true });
  mkdirSync(p.debs, { recursive: true });
  if (!existsSync(join(p.apt, 'state/status'))) writeFileSync(join(p.apt, 'state/status'), '');
  const sources =
    SUITES.map((s) => `deb [signed-by=${DEBIAN_KEYRING}] ${MIRROR} ${s} main\n`).join('') +
    `deb-src [signed-by=${DEBIAN_KEYRING}] ${MIRROR} ${SOURCE_SUITE} main\n`;
  writeIfChanged(join(p.apt, 'etc/sources.list'), sources);
  const conf = [
    `Dir::Etc "${p.apt}/etc";`,
    // A main file that does not exist and an empty parts dir: the host's apt.conf(.d) is never read.
    `Dir::Etc::main "apt.conf.none";`,
    `Dir::Etc::parts "apt.conf.d";`,
    `Dir::Etc::sourcelist "sources.list";`,
    `Dir::Etc::sourceparts "sources.list.d";`,
    `Dir::Etc::preferences "preferences";`,
    `Dir::Etc::preferencesparts "preferences.d";`,
    `Dir::State "${p.apt}/state";`,
    `Dir::State::status "${p.apt}/state/status";`,
    `Dir::Cache "${p.apt}/cache";`,
    `APT::Architecture "amd64";`,
    `APT::Architectures { "amd64"; };`,
    `Acquire::Languages "none";`,
    `Acquire::Retries "3";`,
    ...(process.getuid?.() === 0 ? [`APT::Sandbox::User "root";`] : []),
    '',
  ].join('\n');
  writeIfChanged(p.conf, conf);
  return p;
}

function writeIfChanged(file: string, text: string) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ stdout, stderr, status: code ?? 1 }));
  });
}

/** Runs apt-get/apt-cache with the private config, serialised by a lock file (several helpers share the cache). */
export async function apt(cacheDir: string, tool: 'apt-get' | 'apt-cache', args: string[], cwd?: string): Promise<RunResult> {
  const p = aptConfig(cacheDir);
  const env = { ...process.env, APT_CONFIG: p.conf, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
  return run('flock', [p.lock, tool, ...args], { cwd, env });
}

function listsPresent(cacheDir: string): boolean {
  const { lists } = aptPaths(cacheDir);
  if (!existsSync(lists)) return false;
  const files = readdirSync(lists);
  return (
    SUITES.every((s) => files.some((f) => f.includes(`_dists_${s}_`) && f.endsWith('_Packages'))) &&
    files.some((f) => f.includes(`_dists_${SOURCE_SUITE}_`) && f.endsWith('_Sources'))
  );
}

const updatedThisProcess = new Set<string>();

/** `apt-get update` on the private lists: once per process at most (force), else only when lists are missing. */
export async function updateLists(cacheDir = IMAGE_CACHE, force = false): Promise<void> {
  if (!force && listsPresent(cacheDir)) return;
  if (updatedThisProcess.has(cacheDir)) return;
  requireHostTools([HOST_TOOLS.apt, HOST_TOOLS.dpkgDeb, HOST_TOOLS.flock], [{ path: DEBIAN_KEYRING, debian: 'debian-archive-keyring' }]);
  const r = await apt(cacheDir, 'apt-get', ['-q', 'update']);
  if (r.status !== 0) throw new ImageBuildError(`apt-get update failed (private config ${aptPaths(cacheDir).conf}): ${lastLine(r.stderr || r.stdout)}`);
  updatedThisProcess.add(cacheDir);
}

export function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}

/** The reviewed package list: `[group]` headings, then `name version` lines; `#` comments. */
export function readPackageList(file = PACKAGE_LIST): Map<string, DebPin[]> {
  const groups = new Map<string, DebPin[]>();
  let current = '';
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const g = /^\[([\w.-]+)\]$/.exec(line);
    if (g) {
      current = g[1];
      if (!groups.has(current)) groups.set(current, []);
      return;
    }
    const [name, version, extra] = line.split(/\s+/);
    if (!current || !name || !version || extra !== undefined) throw new ImageBuildError(`${file}:${i + 1}: expected "name version" under a [group] heading`);
    groups.get(current)!.push({ name, version });
  });
  return groups;
}

/** Pins that are unambiguous across the whole package list (a name listed with one version only). */
function uniquePins(file = PACKAGE_LIST): Map<string, string> {
  const seen = new Map<string, Set<string>>();
  if (!existsSync(file)) return new Map();
  for (const pins of readPackageList(file).values())
    for (const { name, version } of pins) (seen.get(name) ?? seen.set(name, new Set()).get(name)!).add(version);
  const out = new Map<string, string>();
  for (const [name, versions] of seen) if (versions.size === 1) out.set(name, [...versions][0]);
  return out;
}

/** The file name apt-get download gives a package (epoch colon encoded as %3a). */
function debFileName(name: string, version: string, arch: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

function cachedDeb(debsDir: string, name: string, version: string): string | undefined {
  for (const arch of ['amd64', 'all']) {
    const f = join(debsDir, debFileName(name, version, arch));
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** Parses a request string into name plus an exact version or a suite. */
function parseRequest(request: string): { name: string; version?: string; suite?: string } {
  const eq = /^([a-z0-9][a-z0-9+.-]+)=(\S+)$/.exec(request);
  if (eq) return { name: eq[1], version: eq[2] };
  const sl = /^([a-z0-9][a-z0-9+.-]+)\/([a-z-]+)$/.exec(request);
  if (sl) return { name: sl[1], suite: sl[2] };
  if (/^[a-z0-9][a-z0-9+.-]+$/.test(request)) return { name: request };
  throw new ImageBuildError(`not a Debian package request: "${request}" (use name, name=version or name/suite)`);
}

/** Versions apt knows for a package, per suite (from `apt-cache policy`). */
async function suiteVersions(cacheDir: string, names: string[]): Promise<Map<string, { candidate?: string; bySuite: Map<string, string> }>> {
  const r = await apt(cacheDir, 'apt-cache', ['policy', ...names]);
  const out = new Map<string, { candidate?: string; bySuite: Map<string, string> }>();
  let cur: { candidate?: string; bySuite: Map<string, string> } | undefined;
  let lastVersion = '';
  for (const line of r.stdout.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = { bySuite: new Map() };
      out.set(head[1], cur);
      continue;
    }
    if (!cur) continue;
    const cand = /^\s+Candidate: (\S+)/.exec(line);
    if (cand && cand[1] !== '(none)') cur.candidate = cand[1];
    const ver = /^\s+(?:\*\*\* )?(\S+) -?\d+$/.exec(line);
    if (ver) lastVersion = ver[1];
    const src = /^\s+-?\d+ \S+ (\S+?)\/main /.exec(line);
    if (src && lastVersion && !cur.bySuite.has(src[1])) cur.bySuite.set(src[1], lastVersion);
  }
  return out;
}

/** Resolves requests to exact versions (pins from packages.txt first, then apt's lists). */
export async function resolveVersions(requests: string[], options: FetchDebsOptions = {}): Promise<DebPin[]> {
  const cacheDir = options.cacheDir ?? IMAGE_CACHE;
  const pins = uniquePins();
  const parsed = requests.map(parseRequest);
  const unresolved = parsed.filter((p) => !p.version && (p.suite || !pins.has(p.name)));
  let known = new Map<string, { candidate?: string; bySuite: Map<string, string> }>();
  if (unresolved.length) {
    await updateLists(cacheDir);
    known = await suiteVersions(cacheDir, [...new Set(unresolved.map((p) => p.name))]);
  }
  return parsed.map((p) => {
    if (p.version) return { name: p.name, version: p.version };
    if (!p.suite && pins.has(p.name)) return { name: p.name, version: pins.get(p.name)! };
    const k = known.get(p.name);
    const version = p.suite ? k?.bySuite.get(p.suite) : k?.candidate;
    if (!version) throw new ImageBuildError(`no Debian package "${p.name}"${p.suite ? ` in ${p.suite}` : ''} on ${MIRROR}`);
    return { name: p.name, version };
  });
}

/**
 * Fetches .debs into the cache and returns name -> absolute .deb path.
 * Cached files are reused without touching the network.
 */
export async function fetchDebs(names: string[], options: FetchDebsOptions = {}): Promise<Map<string, string>> {
  const cacheDir = options.cacheDir ?? IMAGE_CACHE;
  const { debs } = aptConfig(cacheDir);
  const resolved = await resolveVersions(names, options);
  const out = new Map<string, string>();
  const missing: DebPin[] = [];
  for (const pin of resolved) {
    const hit = cachedDeb(debs, pin.name, pin.version);
    if (hit) out.set(pin.name, hit);
    else missing.push(pin);
  }
  if (missing.length) {
    requireHostTools([HOST_TOOLS.apt, HOST_TOOLS.dpkgDeb, HOST_TOOLS.flock], [{ path: DEBIAN_KEYRING, debian: 'debian-archive-keyring' }]);
    await updateLists(cacheDir);
    options.onProgress?.(`downloading ${missing.length} Debian package(s)`);
    const tmp = join(debs, `.download-${process.pid}-${Date.now()}`);
    mkdirSync(tmp, { recursive: true });
    try {
      const args = ['-q', 'download', ...missing.map((m) => `${m.name}=${m.version}`)];
      let r = await apt(cacheDir, 'apt-get', args, tmp);
      if (r.status !== 0 && !updatedThisProcess.has(cacheDir)) {
        // Stale lists (a point release moved on): refresh once and retry.
        await updateLists(cacheDir, true);
        r = await apt(cacheDir, 'apt-get', args, tmp);
      }
      if (r.status !== 0) throw new ImageBuildError(`apt-get download failed: ${lastLine(r.stderr || r.stdout)}`);
      for (const f of readdirSync(tmp)) renameSync(join(tmp, f), join(debs, f));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    for (const pin of missing) {
      const hit = cachedDeb(debs, pin.name, pin.version);
      if (!hit) throw new ImageBuildError(`apt-get download gave no file for ${pin.name}=${pin.version}`);
      out.set(pin.name, hit);
    }
  }
  return out;
}

/** Unpacks a .deb's data into dir (created if needed) with `dpkg-deb -x`. */
export async function unpackDeb(deb: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const r = await run('dpkg-deb', ['-x', deb, dir]);
  if (r.status !== 0) throw new ImageBuildError(`dpkg-deb -x ${deb} failed: ${lastLine(r.stderr)}`);
}

export interface ClosureOptions extends FetchDebsOptions {
  /** Prefer this suite where it has a version (e.g. "bookworm-backports"), as `apt-get -t`. */
  targetRelease?: string;
  /** Packages treated as already present (their dependents' needs are met; they are left out),
   *  e.g. python3 for a maintainer script the image never runs (default: none). */
  assumeInstalled?: DebPin[];
}

/** A dpkg status file listing `pins` as installed, without dependencies. */
function fakeStatus(cacheDir: string, pins: DebPin[]): string {
  const file = join(aptPaths(cacheDir).apt, `state/status-assume-${process.pid}`);
  const text = pins
    .map(
      (p) =>
        `Package: ${p.name}\nStatus: install ok installed\nVersion: ${p.version}\nArchitecture: amd64\nMulti-Arch: allowed\nMaintainer: onix\nDescription: assumed present\n`,
    )
    .join('\n');
  writeFileSync(file, text);
  return file;
}

/**
 * The dependency closure of some packages, as apt would install them onto an
 * empty system (our private dpkg status is empty): exact versions, in install order.
 */
export async function resolveClosure(names: string[], options: ClosureOptions = {}): Promise<DebPin[]> {
  const cacheDir = options.cacheDir ?? IMAGE_CACHE;
  await updateLists(cacheDir);
  const status = options.assumeInstalled?.length ? fakeStatus(cacheDir, options.assumeInstalled) : undefined;
  const args = [
    '-s',
    '-q',
    '--no-install-recommends',
    ...(status ? ['-o', `Dir::State::status=${status}`] : []),
    ...(options.targetRelease ? ['-t', options.targetRelease] : []),
    'install',
    ...names,
  ];
  const r = await apt(cacheDir, 'apt-get', args).finally(() => status && rmSync(status, { force: true }));
  if (r.status !== 0) throw new ImageBuildError(`cannot resolve ${names.join(' ')}: ${lastLine(r.stderr || r.stdout)}`);
  const out: DebPin[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^Inst (\S+) \((\S+) /.exec(line);
    if (m) out.push({ name: m[1], version: m[2] });
  }
  return out;
}
