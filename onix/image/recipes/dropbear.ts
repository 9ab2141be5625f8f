// The dropbear stone: Debian's dropbear, the SSH server an ONIX developer reaches
// the machine through (`--target ssh://root@host`). It is glibc-built like Mesa:
// glibc comes from the glibc stone, its other libraries go to /usr/lib/dropbear/lib
// and its rpath (patchelf) names both. It runs only where the machine has a
// network interface (files/sshd).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { HOST_TOOLS, ImageBuildError, requireHostTools } from '../host-tools.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashText } from '../stone-cache.ts';
import { copyTree, install } from '../tree.ts';
import { debTree } from './deb-tree.ts';
import { GLIBC_PACKAGES } from './mesa.ts';

const LIB = '/usr/lib/dropbear/lib';
const GLIBC_LIB = '/usr/lib/x86_64-linux-gnu';

export function dropbearRecipe(debs: Map<string, string>): StoneRecipe {
  const server = debs.get('dropbear-bin');
  if (!server) throw new ImageBuildError('onix/image/packages.txt [ssh] lacks dropbear-bin');
  const libs = [...debs].filter(([name]) => name !== 'dropbear-bin' && !GLIBC_PACKAGES.includes(name)).map(([, deb]) => deb);
  const version = /^dropbear-bin_([^_]+)_/.exec(basename(server))?.[1]?.replace(/^\d+:/, '') ?? '0';
  return {
    meta: {
      name: 'dropbear',
      version: version.replace(/[-+~].*$/, ''),
      release: 1,
      summary: 'dropbear SSH server (Debian), for reaching the machine over SSH',
      licenses: ['MIT'],
      dependencies: ['glibc', 'filesystem'],
    },
    inputs: [hashText(...[server, ...libs].map((d) => basename(d)))],
    async make(usr, work) {
      requireHostTools([HOST_TOOLS.patchelf]);
      const tree = await debTree([server, ...libs], join(work, 'deb'));
      const libDir = join(tree, 'lib/x86_64-linux-gnu');
      for (const name of readdirSync(libDir)) copyTree(join(libDir, name), join(usr, 'lib/dropbear/lib', name));
      const bin = join(usr, 'bin/dropbear');
      install(join(tree, 'bin/dropbear'), bin, 0o755);
      // DT_RPATH, not RUNPATH: libtomcrypt finds libgmp through it too.
      execFileSync('patchelf', ['--force-rpath', '--set-rpath', `${LIB}:${GLIBC_LIB}`, bin]);
    },
  };
}
