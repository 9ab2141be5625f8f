// The mode moss gives a blitted regular file (os-tools moss/src/fstree/native.rs at ffff7d4b).
//
// The layout entry's mode loses its write bits (native.rs:347-353: blitted roots are
// read-only). With the hardlink strategy (native.rs:409-433, the one moss picks when the
// store and /usr share a filesystem without reflinks, native.rs:105-121) every link shares
// the asset's inode, so moss chmods the asset itself to the union of its mode and the
// entry's, write bits stripped (native.rs:426-430): an entry never takes a bit away from
// another link of the same content, and setuid/setgid bits (0o7000) land on the inode.

/** The write bits moss strips (native.rs:353, 426). */
const WRITE_BITS = 0o222;

/** native.rs:353 `blit_mode`: the entry's permission and special bits, write bits stripped. */
export function blitMode(layoutMode: number): number {
  return layoutMode & 0o7777 & ~WRITE_BITS;
}

/** native.rs:426 `desired_mode`: the mode the shared asset inode is given before it is linked. */
export function hardlinkMode(existingMode: number, layoutMode: number): number {
  return ((existingMode & 0o7777) | blitMode(layoutMode)) & ~WRITE_BITS;
}
