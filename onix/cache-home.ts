// The user's cache folder for what every clone of this repository would build the same: the
// image builder's downloads, stones and images, the VM's base disks made from those images, and
// the Nix plane. Each is keyed by the hash of its inputs, so clones at different commits share it
// safely, as they share ~/.npm or the Nix store, and a fresh clone's first build starts from what
// another clone already built. What belongs to one clone (its machines' overlays and snapshots,
// the site's build cache) stays in its own .cache/ or its machines' directories.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** $ONIX_CACHE_HOME, else $XDG_CACHE_HOME/onix-os, else ~/.cache/onix-os (the XDG base directory rule). */
export function cacheHome(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.ONIX_CACHE_HOME) return resolve(env.ONIX_CACHE_HOME);
  const xdg = env.XDG_CACHE_HOME ?? '';
  // The XDG rule: a relative value is invalid and ignored.
  return join(isAbsolute(xdg) ? xdg : join(home, '.cache'), 'onix-os');
}

export const CACHE_HOME = cacheHome();
