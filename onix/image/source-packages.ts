// Debian source packages for the parts of the base built from source against
// musl (busybox, dropbear). They come through the image builder's private apt
// configuration (debs.ts: bookworm's deb-src line), never the host's sources:
// `apt-get source --download-only name=version` checks every file against the
// hashes in the signed Sources index, then the .dsc, .orig and .debian files are
// cached by name and version under <image cache>/sources/<name>_<version>/.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apt, IMAGE_CACHE, lastLine, run, SOURCE_SUITE, updateLists, type DebPin } from './debs.ts';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from './host-tools.ts';

export interface SourceOptions {
  /** Cache root (default: IMAGE_CACHE). */
  cacheDir?: string;
  /** One short line per download (default: silent). */
  onProgress?: (line: string) => void;
}

/** The .dsc file name of a source version (the epoch is not part of file names). */
function dscName(pin: DebPin): string {
  return `${pin.name}_${pin.version.replace(/^\d+:/, '')}.dsc`;
}

/** Fetches a source package into the cache (once) and returns the path of its .dsc. */
export async function fetchSource(pin: DebPin, options: SourceOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? IMAGE_CACHE;
  const dir = join(cacheDir, 'sources', `${pin.name}_${pin.version.replace(/:/g, '%3a')}`);
  const dsc = join(dir, dscName(pin));
  if (existsSync(dsc)) return dsc;
  await updateLists(cacheDir);
  options.onProgress?.(`downloading source package ${pin.name} ${pin.version}`);
  const tmp = `${dir}.download-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const r = await apt(cacheDir, 'apt-get', ['-q', 'source', '--download-only', `${pin.name}=${pin.version}`], tmp);
    if (r.status !== 0)
      throw new ImageBuildError(`apt-get source ${pin.name}=${pin.version} failed (${SOURCE_SUITE} deb-src): ${lastLine(r.stderr || r.stdout)}`);
    if (!readdirSync(tmp).includes(dscName(pin))) throw new ImageBuildError(`apt-get source gave no ${dscName(pin)}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dsc;
}

/**
 * Unpacks a fetched source package into `dir` with Debian's patches applied
 * (`dpkg-source -x`). The signature check is skipped (--no-check): apt has already
 * matched every file against the SHA256 sums of the archive-signed Sources index.
 */
export async function unpackSource(dsc: string, dir: string): Promise<void> {
  requireHostTools([HOST_TOOLS.dpkgSource]);
  rmSync(dir, { recursive: true, force: true });
  const r = await run('dpkg-source', ['--no-check', '-x', dsc, dir], { env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new ImageBuildError(`dpkg-source -x ${dsc} failed: ${lastLine(r.stderr || r.stdout)}`);
}

/** The time of the newest debian/changelog entry, in seconds: the SOURCE_DATE_EPOCH of a reproducible build. */
export async function sourceDateEpoch(sourceDir: string): Promise<string> {
  const r = await run('dpkg-parsechangelog', ['-l', join(sourceDir, 'debian/changelog'), '-STimestamp']);
  const epoch = r.stdout.trim();
  if (r.status !== 0 || !/^\d+$/.test(epoch)) throw new ImageBuildError(`cannot read the changelog date of ${sourceDir}: ${lastLine(r.stderr || r.stdout)}`);
  return epoch;
}

/** The version of a source package in the deb-src suite (for onix/image/lock.ts). */
export async function resolveSourceVersion(name: string, cacheDir = IMAGE_CACHE): Promise<DebPin> {
  await updateLists(cacheDir);
  const r = await apt(cacheDir, 'apt-cache', ['showsrc', '--only-source', name]);
  const version = /^Version: (\S+)$/m.exec(r.stdout)?.[1];
  if (r.status !== 0 || !version) throw new ImageBuildError(`no source package "${name}" in ${SOURCE_SUITE}`);
  return { name, version };
}
