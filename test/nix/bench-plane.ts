// Cold and warm build times of the Nix plane, and its size:
//   npx tsx test/nix/bench-plane.ts [--no-deb-cache]
// Cold = fresh plane cache (unpack, relocate, register, verify); with
// --no-deb-cache also a fresh apt list/.deb cache (downloads included).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'onix-nix-bench-'));
process.env.ONIX_NIX_CACHE = join(scratch, 'nix');
const { buildNixPlane } = await import('../../onix/image/nix/plane.ts');
const debCacheDir = process.argv.includes('--no-deb-cache') ? join(scratch, 'debs') : undefined;
try {
  let t = performance.now();
  const cold = await buildNixPlane({ debCacheDir });
  const coldS = (performance.now() - t) / 1000;
  t = performance.now();
  const warm = await buildNixPlane({ debCacheDir });
  const warmS = (performance.now() - t) / 1000;
  console.log(
    `nix plane ${cold.planeId}: cold ${coldS.toFixed(1)} s${debCacheDir ? ' (no deb cache)' : ' (debs cached)'}, warm ${warmS.toFixed(2)} s (cached: ${warm.cached}), /nix ${(cold.sizeBytes / 1e6).toFixed(1)} MB`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
