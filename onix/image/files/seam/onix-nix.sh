# onix-nix-integration profile hook: Nix profiles on PATH in login shells.
# Shipped as /usr/share/defaults/etc/profile.d/onix-nix.sh; /etc/profile.d/onix-nix.sh overrides.
if [ "$(id -u)" != 0 ]; then
  export NIX_REMOTE=daemon
fi
export NIX_PROFILES="/nix/var/nix/profiles/default $HOME/.nix-profile"
for p in /nix/var/nix/profiles/default $HOME/.nix-profile; do
  case ":$PATH:" in
    *":$p/bin:"*) ;;
    *) PATH="$p/bin:$PATH" ;;
  esac
done
export PATH
unset p
