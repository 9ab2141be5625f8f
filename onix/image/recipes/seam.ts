// The onix-nix-integration stone: the seam's boot script and helpers, and the
// defaults it seeds /etc from (nix.conf and registry.json, the profile hook).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles } from '../stone-cache.ts';
import { install } from '../tree.ts';
import { FILES } from './base.ts';

const SEAM = join(FILES, 'seam');

/**
 * From the Nix plane (onix/image/nix/plane.ts), when there is one: `defaultsEtcNix`, a dir of
 * /etc/nix defaults (nix.conf, registry.json), and `profileHook`, the profile hook's default;
 * they win over the seam's own, which serve an image without a Nix plane.
 */
export function seamRecipe(defaultsEtcNix?: string, profileHook?: string): StoneRecipe {
  const extra = defaultsEtcNix && existsSync(defaultsEtcNix) ? readdirSync(defaultsEtcNix).sort().map((f) => join(defaultsEtcNix, f)) : [];
  const hook = profileHook && existsSync(profileHook) ? profileHook : join(SEAM, 'onix-nix.sh');
  const own = ['boot', 'opengl-driver', 'nix-daemon', 'nix.conf'].map((f) => join(SEAM, f));
  return {
    meta: {
      name: 'onix-nix-integration',
      version: '0.1.0',
      release: 1,
      summary: 'the ONIX seam: nixbld users, /etc/nix defaults, profile hook, /nix runtime dirs, /run/opengl-driver',
      licenses: ['MPL-2.0'],
      dependencies: ['busybox'],
    },
    inputs: [hashFiles([...own, hook, ...extra])],
    async make(usr) {
      const libexec = join(usr, 'libexec/onix-nix-integration');
      for (const f of ['boot', 'opengl-driver', 'nix-daemon']) install(join(SEAM, f), join(libexec, f), 0o755);
      const defaults = join(usr, 'share/defaults/etc');
      install(hook, join(defaults, 'profile.d/onix-nix.sh'));
      install(join(SEAM, 'nix.conf'), join(defaults, 'nix/nix.conf'));
      for (const f of extra) install(f, join(defaults, 'nix', f.slice(defaultsEtcNix!.length + 1)));
    },
  };
}
