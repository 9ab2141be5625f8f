// What every run that starts machines or builds (the spec runner, the dev server, `npm run
// vm`) sweeps before it starts: working directories whose owner was killed (owned-dirs.ts)
// in the places this project makes them. The result is one line, or nothing when there was
// nothing to free.

import { basename, dirname, resolve } from 'node:path';
import { IMAGE_CACHE } from './image/debs.ts';
import { DISK_CACHE } from './machine/disk.ts';
import { addSweep, describeSweep, isSiteStaging, sweepImageStaging, sweepMachineDirs, sweepOrphans } from './owned-dirs.ts';

export interface LeftoverPlaces {
  /** The image builder's cache folder (default: IMAGE_CACHE, ~/.cache/onix-os/image or $ONIX_IMAGE_CACHE). */
  imageCache?: string;
  /** Site output folders whose staging siblings (`dist.<pid>.new`) are swept (default: ["dist"]). */
  siteOutDirs?: string[];
  /** The machines' temporary folder (default: os.tmpdir()). */
  tmpDir?: string;
  /** Where base disks are made (default: DISK_CACHE, ~/.cache/onix-os/disks). */
  diskCache?: string;
}

/** Remove what killed runs left behind; one line on what it freed, or null. */
export async function sweepLeftovers(places: LeftoverPlaces = {}): Promise<string | null> {
  const result = await sweepMachineDirs(places.tmpDir);
  addSweep(result, await sweepImageStaging(places.imageCache ?? IMAGE_CACHE));
  addSweep(result, await sweepOrphans(places.diskCache ?? DISK_CACHE, (name) => name.startsWith('staging-')));
  for (const out of places.siteOutDirs ?? ['dist']) {
    const abs = resolve(out);
    addSweep(result, await sweepOrphans(dirname(abs), isSiteStaging(basename(abs))));
  }
  return describeSweep(result);
}
