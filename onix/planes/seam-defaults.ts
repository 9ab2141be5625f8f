// What the seam (onix-nix-integration) declares, in one place: onix's checks read it
// at run time, and the image and fixture builders write the files the seam ships from it.

/** The nixbld group: "ONIX" on a phone keypad. */
export const NIXBLD_GID = 6649;
/** Build users nixbld1..N, members of the nixbld group. */
export const NIXBLD_USERS = 32;

/** The nix.conf settings the seam ships as /usr/share/defaults/etc/nix/nix.conf (DESIGN.md, "The ONIX test machine"). */
export const NIX_CONF_DEFAULTS: Readonly<Record<string, string>> = {
  'build-users-group': 'nixbld',
  sandbox: 'true',
  'auto-optimise-store': 'true',
  'allowed-users': '@users',
  'trusted-users': 'root',
  'experimental-features': 'nix-command flakes',
};

/** The text of the shipped nix.conf default. */
export function nixConfText(): string {
  const header = [
    '# Shipped by onix-nix-integration as /usr/share/defaults/etc/nix/nix.conf;',
    '# /etc/nix/nix.conf is seeded from it at boot when absent and overrides it.',
  ];
  return [...header, ...Object.entries(NIX_CONF_DEFAULTS).map(([k, v]) => `${k} = ${v}`), ''].join('\n');
}
