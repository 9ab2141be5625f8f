// Opaque RGB rasters for the social cards: a layer of premultiplied RGBA (what resvg renders)
// drawn over one. A card is a backdrop every page shares plus the box its own text inks, so
// each card renders only that box and is drawn over the backdrop here.

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
 * `under` with the premultiplied RGBA `layer` drawn over it, its top left corner at row `top`
 * and column `left`, `width` pixels a row (default: as wide as `under`): source-over,
 * out = layer + under * (1 - alpha), rounded. Pixels the layer leaves clear are copied as
 * they are; the layer is cut at the image's edges; `under` itself is left as it was.
 */
export function drawOver(under: RgbImage, layer: Uint8Array, top: number, left = 0, width = under.width): RgbImage {
  const out = under.pixels.slice();
  const rows = Math.min(Math.floor((layer.length >> 2) / width), under.height - top);
  const cols = Math.min(width, under.width - left);
  // A clear premultiplied pixel is four zero bytes: one 32-bit read skips it (most of a layer).
  const words = new Uint32Array(layer.buffer, layer.byteOffset, layer.byteLength >> 2);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const p = y * width + x;
      if (words[p] === 0) continue;
      const i = p * 4;
      const j = ((top + y) * under.width + left + x) * 3;
      const keep = 255 - layer[i + 3]!;
      out[j] = layer[i]! + Math.round((out[j]! * keep) / 255);
      out[j + 1] = layer[i + 1]! + Math.round((out[j + 1]! * keep) / 255);
      out[j + 2] = layer[i + 2]! + Math.round((out[j + 2]! * keep) / 255);
    }
  }
  return { ...under, pixels: out };
}
