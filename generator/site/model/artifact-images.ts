// The PNG renders a spec run copied out of the machine, prepared once per build on the main
// thread: each decoded for its size, re-encoded compressed for publishing (png.ts: Node's zlib
// at level 9), and every pair of the same size compared pixel by pixel. The page renderer gets
// only these facts (plain data), so it sets width and height and states the comparison as a
// measured fact without reading an image itself.

import { readFile } from 'node:fs/promises';
import { decodePng, type DecodedPng, differingPixels, encodePng } from './png.ts';

export interface ImageFacts {
  width: number;
  height: number;
  /** Bytes as the machine wrote it / as published. */
  bytes: { original: number; published: number };
}

export interface ArtifactImages {
  /** Facts by artifact path (relative to the report dir). */
  images: Record<string, ImageFacts>;
  /** Differing pixels by pair key `pairKey(a, b)`, for every two images of one size. */
  differing: Record<string, number>;
}

/** The key of a pair of artifact paths, in either order. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

/**
 * Decode, compare and re-encode the PNG artifacts at `paths` (artifact path -> file). Returns
 * the facts and the bytes to publish per path. A file that is not a PNG this reads is published
 * as it is, without facts.
 */
export async function prepareArtifactImages(paths: ReadonlyMap<string, string>): Promise<{ facts: ArtifactImages; published: Map<string, Buffer> }> {
  const decoded = new Map<string, DecodedPng>();
  const published = new Map<string, Buffer>();
  const facts: ArtifactImages = { images: {}, differing: {} };
  for (const [path, file] of [...paths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const data = await readFile(file);
    if (!path.toLowerCase().endsWith('.png')) {
      published.set(path, data);
      continue;
    }
    let png: DecodedPng;
    try {
      png = decodePng(data);
    } catch {
      published.set(path, data);
      continue;
    }
    const smaller = encodePng(png);
    const out = smaller.length < data.length ? smaller : data;
    published.set(path, out);
    decoded.set(path, png);
    facts.images[path] = { width: png.width, height: png.height, bytes: { original: data.length, published: out.length } };
  }
  const list = [...decoded];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [a, pa] = list[i]!;
      const [b, pb] = list[j]!;
      if (pa.width === pb.width && pa.height === pb.height && pa.channels === pb.channels) facts.differing[pairKey(a, b)] = differingPixels(pa, pb);
    }
  }
  return { facts, published };
}
