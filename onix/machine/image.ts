// What a machine boots: an image is an input to the machine layer, which never builds one.
// The real test image comes from onix/image (provider.ts); tests may pass another.

/** A root tree to boot: its kernel and initrd are found through its boot entries. */
export interface MachineImage {
  /** Hash of everything the image was made from; names cached disks. */
  imageId: string;
  /** Absolute path of the root tree (owned by root, hard links intact). */
  rootfs: string;
}

/** Makes (or finds) the image when a machine first boots; `onProgress` gets one short line per step. */
export type ImageProvider = (onProgress: (line: string) => void) => Promise<MachineImage>;

/** The image itself, or asks its provider (once per machine). */
export function imageFrom(source: MachineImage | ImageProvider, onProgress: (line: string) => void): Promise<MachineImage> {
  return typeof source === 'function' ? source(onProgress) : Promise.resolve(source);
}
