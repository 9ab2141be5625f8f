// Opaque RGB rasters for the social cards: a layer of premultiplied RGBA (what resvg renders)
// drawn over one. A card is a backdrop every page shares plus the rows its own text touches,
// so each card renders only those rows and is drawn over the backdrop here.

import type { DecodedPng } from '../model/png.ts';

/** An opaque image, 3 bytes a pixel, rows top to bottom. */
export type RgbImage = DecodedPng & { channels: 3 };

/** The RGB of premultiplied RGBA pixels that are all opaque (resvg's output on a painted page). */
export function opaqueRgb(rgba: Uint8Array, width: number, height: number): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    pixels[j] = rgba[i]!;
    pixels[j + 1] = rgba[i + 1]!;
    pixels[j + 2] = rgba[i + 2]!;
  }
  return { width, height, channels: 3, pixels };
}

/**
 * `under` with the premultiplied RGBA `layer` (as wide as it) drawn over it from row `top`:
 * source-over, out = layer + under * (1 - alpha), rounded. Pixels the layer leaves clear are
 * copied as they are; `under` itself is left as it was.
 */
export function drawOver(under: RgbImage, layer: Uint8Array, top: number): RgbImage {
  const out = under.pixels.slice();
  const start = top * under.width * 3;
  const end = Math.min(layer.length >> 2, (under.height - top) * under.width);
  // A clear premultiplied pixel is four zero bytes: one 32-bit read skips it (most of a layer).
  const words = new Uint32Array(layer.buffer, layer.byteOffset, layer.byteLength >> 2);
  for (let p = 0; p < end; p++) {
    if (words[p] === 0) continue;
    const i = p * 4;
    const j = start + p * 3;
    const keep = 255 - layer[i + 3]!;
    out[j] = layer[i]! + Math.round((out[j]! * keep) / 255);
    out[j + 1] = layer[i + 1]! + Math.round((out[j + 1]! * keep) / 255);
    out[j + 2] = layer[i + 2]! + Math.round((out[j + 2]! * keep) / 255);
  }
  return { ...under, pixels: out };
}
