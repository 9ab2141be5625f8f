# onix-nix-integration profile hook: the Nix profiles on PATH in login shells.
# Shipped as /usr/share/defaults/etc/profile.d/onix-nix.sh; /etc/profile.d/onix-nix.sh overrides.
if [ -d /nix/var/nix/profiles/default/bin ]; then
  NIX_PROFILES="/nix/var/nix/profiles/default $HOME/.nix-profile"
  export NIX_PROFILES
  if [ "$(id -u)" != 0 ]; then NIX_REMOTE=daemon; export NIX_REMOTE; fi
  case ":$PATH:" in *":$HOME/.nix-profile/bin:"*) ;; *) PATH="$HOME/.nix-profile/bin:/nix/var/nix/profiles/default/bin:$PATH" ;; esac
  export PATH
fi
