// Builds an opengl-driver link farm (NixOS's /run/opengl-driver layout) from
// one or more roots holding a glibc-built Mesa and its library closure, e.g.
// the active /usr of an ONIX machine or a dir of unpacked Debian packages:
//
//   <farm>/lib/<soname>                      -> every shared library of the closure
//   <farm>/lib/dri/<driver>.so               -> Mesa's DRI/gallium drivers
//   <farm>/share/glvnd/egl_vendor.d/*.json   -> glvnd EGL vendor files
//   <farm>/share/vulkan/icd.d/*.json         -> Vulkan ICD files
//
// glibc's own libraries are left out on purpose: Nix apps bring their store
// glibc (first in their RUNPATH); a machine glibc in the farm could shadow it
// through LD_LIBRARY_PATH. The seam does the same at boot from the active /usr
// (in shell); this module is its reference and what host tests use.
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Library dirs searched under each root, in order (first wins on a name clash). */
export const LIB_DIRS = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib64', 'usr/lib', 'lib'];
/** Where Mesa keeps DRI/gallium drivers, relative to a lib dir. */
const DRI_SUBDIR = 'dri';
const SHARE_DIRS: [string, string][] = [
  ['usr/share/glvnd/egl_vendor.d', 'share/glvnd/egl_vendor.d'],
  ['usr/share/vulkan/icd.d', 'share/vulkan/icd.d'],
];

/** glibc's sonames (libc6): never linked into a farm. */
export const GLIBC_LIBS = new Set([
  'ld-linux-x86-64.so.2',
  'libc.so.6',
  'libm.so.6',
  'libmvec.so.1',
  'libpthread.so.0',
  'libdl.so.2',
  'librt.so.1',
  'libresolv.so.2',
  'libutil.so.1',
  'libanl.so.1',
  'libnsl.so.1',
  'libBrokenLocale.so.1',
  'libc_malloc_debug.so.0',
  'libthread_db.so.1',
  'libmemusage.so',
  'libpcprofile.so',
  'libnss_files.so.2',
  'libnss_dns.so.2',
  'libnss_compat.so.2',
  'libnss_hesiod.so.2',
]);

export interface FarmOptions {
  /** Absolute target prefix the links should point at instead of the roots themselves
   *  (e.g. build from an image tree at /tmp/x/usr but link to /usr). Default: the roots as given. */
  linkPrefix?: (absPath: string) => string;
}

export interface FarmResult {
  libs: number;
  drivers: number;
  vendorFiles: number;
}

function isSharedObject(name: string): boolean {
  return /\.so(\.\d+)*$/.test(name);
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function link(target: string, at: string, seen: Set<string>): boolean {
  if (seen.has(at)) return false;
  seen.add(at);
  symlinkSync(target, at);
  return true;
}

/** (Re)creates `farm` as a link farm over `roots` (existing farm is replaced). */
export function buildOpenglDriverFarm(roots: string[], farm: string, options: FarmOptions = {}): FarmResult {
  const to = options.linkPrefix ?? ((p: string) => p);
  rmSync(farm, { recursive: true, force: true });
  for (const d of ['lib/dri', ...SHARE_DIRS.map((s) => s[1])]) mkdirSync(join(farm, d), { recursive: true });
  const seen = new Set<string>();
  const result: FarmResult = { libs: 0, drivers: 0, vendorFiles: 0 };
  for (const root of roots.map((r) => resolve(r))) {
    for (const rel of LIB_DIRS) {
      const dir = join(root, rel);
      for (const name of entries(dir)) {
        const p = join(dir, name);
        if (name === DRI_SUBDIR && lstatSync(p).isDirectory()) {
          for (const drv of entries(p)) if (drv.endsWith('.so') && link(to(join(p, drv)), join(farm, 'lib/dri', drv), seen)) result.drivers++;
          continue;
        }
        if (!isSharedObject(name) || GLIBC_LIBS.has(name)) continue;
        if (!existsSync(p)) continue; // dangling (e.g. a -dev symlink whose target is elsewhere)
        if (link(to(p), join(farm, 'lib', name), seen)) result.libs++;
      }
    }
    for (const [src, dst] of SHARE_DIRS)
      for (const name of entries(join(root, src))) if (link(to(join(root, src, name)), join(farm, dst, name), seen)) result.vendorFiles++;
  }
  return result;
}
