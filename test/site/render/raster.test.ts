// Source-over of premultiplied pixels onto an opaque image, as a card's text is drawn.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawOver, type RgbImage } from '../../../generator/site/render/raster.ts';

test('drawOver: clear pixels keep the backdrop, opaque ones replace it, partial ones blend as source-over', () => {
  const under: RgbImage = {
    width: 2,
    height: 3,
    channels: 3,
    pixels: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180]),
  };
  // Two rows of layer from row 1: clear, opaque red; half-covered white (premultiplied 128), clear.
  const layer = Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 255, 128, 128, 128, 128, 0, 0, 0, 0]);
  const out = drawOver(under, layer, 1);
  const blend = (v: number) => 128 + Math.round((v * 127) / 255);
  assert.deepEqual([...out.pixels], [10, 20, 30, 40, 50, 60, 70, 80, 90, 255, 0, 0, blend(130), blend(140), blend(150), 160, 170, 180]);
  assert.deepEqual([...under.pixels.subarray(9, 12)], [100, 110, 120], 'the backdrop itself is left as it was');
});

test('drawOver: a layer reaching past the bottom is cut at the last row', () => {
  const under: RgbImage = { width: 1, height: 2, channels: 3, pixels: new Uint8Array(6) };
  const out = drawOver(under, Uint8Array.from([9, 9, 9, 255, 7, 7, 7, 255]), 1);
  assert.deepEqual([...out.pixels], [0, 0, 0, 9, 9, 9]);
});

test('drawOver: a layer narrower than the image goes at its column, and is cut at the right edge', () => {
  const under: RgbImage = { width: 3, height: 2, channels: 3, pixels: new Uint8Array(18) };
  // A layer two pixels wide and two rows high, at column 2 and row 1: only its first column fits.
  const layer = Uint8Array.from([9, 9, 9, 255, 5, 5, 5, 255, 7, 7, 7, 255, 5, 5, 5, 255]);
  const out = drawOver(under, layer, 1, 2, 2);
  assert.deepEqual([...out.pixels], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9]);
});
