// The ONIX test image as machines take it (onix/machine/image.ts): built, or found in the
// cache, once per process, so the spec runner's machines share one build check.
import type { ImageProvider, MachineImage } from '../machine/image.ts';
import { buildImage } from './build.ts';

let built: Promise<MachineImage> | undefined;

export const testImage: ImageProvider = (onProgress) => {
  built ??= buildImage({ onProgress });
  built.catch(() => {
    built = undefined;
  });
  return built;
};
