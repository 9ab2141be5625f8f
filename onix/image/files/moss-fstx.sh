#!/bin/sh
# moss's early-boot hook, as upstream ships it (AerynOS/os-tools boot/moss-fstx.sh at
# ffff7d4b), with one change: dracut's `getarg moss.fstx` is read from /proc/cmdline here,
# since the ONIX test initramfs is not dracut. A non-zero exit is the caller's cue for
# emergency mode (upstream: moss-fstx.service OnFailure=emergency.target).
getarg() {
  for arg in $(cat /proc/cmdline); do
    case "$arg" in "$1="*) echo "${arg#"$1"=}"; return 0 ;; esac
  done
  return 1
}
command -v moss > /dev/null || exit 1

[ -z "$1" ] && exit 1
sysroot="$1"

# Grab the moss.fstx ID
fstx_id=$(getarg moss.fstx)
[ -z "$fstx_id" ] && exit 0

# Grab the current fstx from `/sysroot/usr/.stateID`
current_fstx=$(cat "$sysroot/usr/.stateID" 2>/dev/null)
[ -z "$current_fstx" ] && exit 1

# If the current fstx is already the same as the one we're trying to set, exit
[ "$current_fstx" = "$fstx_id" ] && exit 0

# Set the new fstx
moss -D "$sysroot" state activate -y --skip-triggers "$fstx_id"
