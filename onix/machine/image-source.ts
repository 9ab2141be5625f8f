// Which image the VM and the sandbox boot: the real ONIX image from
// onix/image/build.ts when it exists, else the development image (dev-image.ts).
// ONIX_MACHINE_IMAGE=dev forces the development image; =real forces the real one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './agent-bundle.ts';
import { buildDevImage, type BuiltImage } from './dev-image.ts';
import { MachineError } from './machine.ts';

export type { BuiltImage } from './dev-image.ts';

export type ImageChoice = 'auto' | 'real' | 'dev';

const resolved = new Map<ImageChoice, Promise<BuiltImage>>();

/** The image for `choice`, resolved once per process (the runner's N machines share one build check). */
export function resolveImage(choice: ImageChoice = 'auto', onProgress: (line: string) => void = () => {}): Promise<BuiltImage> {
  const env = process.env.ONIX_MACHINE_IMAGE;
  const want: ImageChoice = choice === 'auto' && (env === 'dev' || env === 'real') ? env : choice;
  let p = resolved.get(want);
  if (!p) {
    p = findImage(want, onProgress);
    resolved.set(want, p);
    p.catch(() => resolved.delete(want));
  }
  return p;
}

async function findImage(want: ImageChoice, onProgress: (line: string) => void): Promise<BuiltImage> {
  const buildTs = join(REPO_ROOT, 'onix/image/build.ts');
  if (want === 'dev' || (want === 'auto' && !existsSync(buildTs))) return buildDevImage(onProgress);
  if (!existsSync(buildTs)) throw new MachineError('the real image builder (onix/image/build.ts) is not there yet; use the development image');
  const mod = (await import(buildTs)) as { buildImage: (o?: { onProgress?: (l: string) => void }) => Promise<BuiltImage> };
  return mod.buildImage({ onProgress });
}
