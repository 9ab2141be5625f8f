// The manifest of the image a spec report ran on: the image builder writes it beside the image
// (<image cache>/images/<imageId>/manifest.json, type and parser in onix/image/manifest.ts).
// The site build and publish read it for the test machine page.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_CACHE } from '../../../onix/image/debs.ts';
import { type ImageManifest, parseManifest } from '../../../onix/image/manifest.ts';

/** The manifest of image `imageId` (cache default: IMAGE_CACHE); null when the image has none. Throws one line for a bad file. */
export async function readImageManifest(imageId: string, cacheDir = IMAGE_CACHE): Promise<ImageManifest | null> {
  const file = join(cacheDir, 'images', imageId, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return parseManifest(text);
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}
