// Host tools the image build needs, checked up front so a missing one is one
// clear line naming the Debian package to install, not a failure halfway in.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A host tool: the command looked up on PATH and the Debian package providing it. */
export interface HostTool {
  command: string;
  debian: string;
}

/** Tools by purpose. Add here; keep `.ci/apt-packages.txt` in step. */
export const HOST_TOOLS = {
  apt: { command: 'apt-get', debian: 'apt' },
  aptCache: { command: 'apt-cache', debian: 'apt' },
  dpkgDeb: { command: 'dpkg-deb', debian: 'dpkg' },
  flock: { command: 'flock', debian: 'util-linux' },
  cpio: { command: 'cpio', debian: 'cpio' },
  gzip: { command: 'gzip', debian: 'gzip' },
  zstd: { command: 'zstd', debian: 'zstd' },
  xz: { command: 'xz', debian: 'xz-utils' },
  musl: { command: 'musl-gcc', debian: 'musl-tools' },
  patchelf: { command: 'patchelf', debian: 'patchelf' },
  // Source builds against musl (busybox, dropbear): unpack, build.
  dpkgSource: { command: 'dpkg-source', debian: 'dpkg-dev' },
  make: { command: 'make', debian: 'make' },
  bzip2: { command: 'bzip2', debian: 'bzip2' },
  gcc: { command: 'gcc', debian: 'gcc' },
  // The VM's kernel from Debian's kernel source (kernel-build.ts): Kconfig's parser, the timeconst script.
  flex: { command: 'flex', debian: 'flex' },
  bison: { command: 'bison', debian: 'bison' },
  bc: { command: 'bc', debian: 'bc' },
} as const satisfies Record<string, HostTool>;

/** The keyring the private apt configuration verifies Debian's archive with. */
export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A user-fixable problem: printed as one line by the CLI, no stack. */
export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Throws one ImageBuildError listing every missing tool and the packages to install. */
export function requireHostTools(tools: readonly HostTool[], files: { path: string; debian: string }[] = []): void {
  const missing = tools.filter((t) => !onPath(t.command)).map((t) => ({ what: t.command, debian: t.debian }));
  for (const f of files) if (!existsSync(f.path)) missing.push({ what: f.path, debian: f.debian });
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((m) => m.debian))].join(' ');
  throw new ImageBuildError(`missing host tools: ${missing.map((m) => m.what).join(', ')} (install with: apt-get install ${pkgs})`);
}
