// `npm run image`: builds the ONIX test image (or finds it in the cache) and
// prints where the root tree is.
import { buildImage, readImageInfo } from './build.ts';
import { MossError } from '../moss/index.ts';
import { ImageBuildError } from './host-tools.ts';

const start = performance.now();
try {
  const { imageId, rootfs } = await buildImage({ onProgress: (line) => console.log(`image: ${line}`) });
  const info = readImageInfo(rootfs);
  console.log(`image ${imageId}: ${rootfs}`);
  console.log(`  kernel ${info.kernel}; states ${info.states.map((s) => `#${s.id} ${s.summary} (Mesa ${s.mesa})`).join(', ')}; active #${info.activeState}`);
  console.log(`  onix-cli bundles: ${info.bundled.join(', ') || 'none'}; Nix plane: ${info.nixPlane ? 'yes' : 'no (onix/image/nix/plane.ts not there yet)'}`);
  console.log(`  ${((performance.now() - start) / 1000).toFixed(1)} s`);
} catch (e) {
  if (e instanceof ImageBuildError || e instanceof MossError) {
    console.error(`image: ${e.message}`);
    process.exitCode = 1;
  } else throw e;
}
