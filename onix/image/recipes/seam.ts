// The onix-nix-integration stone: the seam's boot script and helpers, and the
// defaults it seeds /etc from (nix.conf from onix/planes/seam-defaults.ts, registry.json, the profile hook).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles, hashText } from '../stone-cache.ts';
import { install } from '../tree.ts';
import { FILES } from './base.ts';
import { nixConfText } from '../../planes/seam-defaults.ts';

const SEAM = join(FILES, 'seam');
/** nix-daemon's socket activation (busybox init has no socket units); compiled by the image build. */
export const SOCKET_ACTIVATE_SOURCE = join(SEAM, 'socket-activate.c');

/**
 * `socketActivate`: SOCKET_ACTIVATE_SOURCE, compiled. From the Nix plane (onix/image/nix/plane.ts),
 * when there is one: `defaultsEtcNix`, a dir of /etc/nix defaults (nix.conf with the offline
 * settings, registry.json); they win over the seam's own nix.conf, which serves an image without
 * a Nix plane.
 */
export function seamRecipe(socketActivate: string, defaultsEtcNix?: string): StoneRecipe {
  // Read now: the plane's cache may move on while the stone is built.
  const extra = new Map<string, Buffer>();
  if (defaultsEtcNix && existsSync(defaultsEtcNix)) for (const f of readdirSync(defaultsEtcNix).sort()) extra.set(f, readFileSync(join(defaultsEtcNix, f)));
  const own = [...['boot', 'sysusers', 'sysusers.yaml', 'opengl-driver', 'nix-daemon', 'onix-nix.sh'].map((f) => join(SEAM, f)), socketActivate];
  return {
    meta: {
      name: 'onix-nix-integration',
      version: '0.1.0',
      release: 1,
      summary: 'the ONIX seam: nixbld users, /etc/nix defaults, profile hook, /nix runtime dirs, /run/opengl-driver',
      licenses: ['MPL-2.0'],
      dependencies: ['busybox'],
    },
    inputs: [hashFiles(own), hashText(nixConfText(), ...[...extra].map(([n, b]) => `${n}:${b.toString('base64')}`))],
    async make(usr) {
      const libexec = join(usr, 'libexec/onix-nix-integration');
      for (const f of ['boot', 'sysusers', 'opengl-driver', 'nix-daemon']) install(join(SEAM, f), join(libexec, f), 0o755);
      install(socketActivate, join(libexec, 'socket-activate'), 0o755);
      // moss runs it as a system trigger after every transaction and activation.
      install(join(SEAM, 'sysusers.yaml'), join(usr, 'share/moss/triggers/sys.d/onix-nix-integration.yaml'));
      const defaults = join(usr, 'share/defaults/etc');
      install(join(SEAM, 'onix-nix.sh'), join(defaults, 'profile.d/onix-nix.sh'));
      mkdirSync(join(defaults, 'nix'), { recursive: true });
      writeFileSync(join(defaults, 'nix/nix.conf'), nixConfText(), { mode: 0o644 });
      for (const [name, content] of extra) writeFileSync(join(defaults, 'nix', name), content, { mode: 0o644 });
    },
  };
}
