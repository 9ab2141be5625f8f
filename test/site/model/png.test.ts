// The PNG encoder's unfiltered rows (social cards): files another decoder (resvg's, through an
// <image>) and ours read back to the same pixels, with checksums a decoder checks.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { type DecodedPng, decodePng, encodePng } from '../../../generator/site/model/png.ts';

/** The pixels of a PNG as resvg decodes them, drawn 1:1 on a page of its size. */
function decoded(png: Buffer, width: number, height: number): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><image image-rendering="optimizeSpeed" width="${width}" height="${height}" href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().pixels;
}

function noise(width: number, height: number, seed: number): DecodedPng {
  const rgb = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    rgb[i] = i % 97 < 40 ? 200 : s >>> 24; // runs deflate can match, and bytes it cannot
  }
  return { width, height, channels: 3, pixels: rgb };
}

test('encodePng unfiltered: a file another decoder reads back to the same pixels, header and all', () => {
  for (const [w, h] of [
    [1, 1],
    [7, 3],
    [64, 40],
    [300, 17],
  ] as const) {
    const image = noise(w, h, w * 31 + h);
    const png = encodePng(image, { rows: 'unfiltered', level: 6 });
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [w, h]);
    assert.equal(png.toString('latin1', png.length - 8, png.length - 4), 'IEND');
    const rgba = decoded(png, w, h);
    assert.ok(Buffer.from(rgba.filter((_, i) => i % 4 !== 3)).equals(Buffer.from(image.pixels)), `${w}x${h}: resvg reads other pixels`);
    assert.ok(Buffer.from(decodePng(png).pixels).equals(Buffer.from(image.pixels)), `${w}x${h}: decodePng reads other pixels`);
  }
});

test('encodePng: a chunk with a wrong checksum is refused by the decoder, so the checksums are checked', () => {
  const image = noise(16, 16, 5);
  const png = encodePng(image, { rows: 'unfiltered', level: 6 });
  png[png.length - 13] = png[png.length - 13]! ^ 0xff; // the IDAT's checksum, just before IEND
  assert.ok(!Buffer.from(decoded(png, 16, 16).filter((_, i) => i % 4 !== 3)).equals(Buffer.from(image.pixels)));
});
