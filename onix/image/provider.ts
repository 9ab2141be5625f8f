// The ONIX test image as machines take it (onix/machine/image.ts): built, or found in the
// cache, once per process, so the spec runner's machines share one build check.
//
// The builder (and moss, which it drives) is loaded only when an image is wanted: the spec
// runner starts on every save of a page, mostly on targets that need no image, and its
// start-up is kept small (generator/bin/cached-bundle.js bundles this import on first use).
// The import is typed by the builder's own module type.
import type { ImageProvider, MachineImage } from '../machine/image.ts';

type Builder = typeof import('./build.ts');
const BUILDER = new URL('./build.ts', import.meta.url).href;

let built: Promise<MachineImage> | undefined;

export const testImage: ImageProvider = (onProgress) => {
  built ??= (import(BUILDER) as Promise<Builder>).then((builder) => builder.buildImage({ onProgress }));
  built.catch(() => {
    built = undefined;
  });
  return built;
};
