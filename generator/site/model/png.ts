// PNG in and out with Node's own zlib, for the renders the spec copies out of the machine.
// glprobe writes its PNGs with stored (uncompressed) deflate blocks (onix/image/nix/glprobe/
// glprobe.c: 196,608 bytes of pixels for 256x256 RGB); the site publishes them re-encoded at
// zlib level 9 with a per-row filter (the "minimum sum of absolute differences" heuristic
// libpng uses), which is lossless: a glprobe render goes from 196,947 to 17,485 bytes, where
// deflate alone (no filters, level 6 or 9) gets 92.5 KB; the filters do most of the work, level 9
// the rest. Node's zlib is the zlib the runtime already ships, so there is nothing to install;
// the cost is a fraction of a second per image per build. Social cards, drawn by the thousand,
// are written unfiltered at level 6 instead (see EncodeOptions). Reads 8-bit greyscale, RGB and
// RGBA, non-interlaced: what glprobe and most tools write; anything else is refused with a clear message.

import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  /** Bytes per pixel: 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  /** Rows top to bottom, no filter bytes. */
  pixels: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, 1 | 3 | 4> = { 0: 1, 2: 3, 6: 4 };

export class PngError extends Error {
  override name = 'PngError';
}

export function decodePng(data: Uint8Array): DecodedPng {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG (bad signature)');
  let at = 8;
  let header: { width: number; height: number; channels: 1 | 3 | 4 } | null = null;
  const idat: Buffer[] = [];
  while (at + 8 <= buf.length) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (type === 'IHDR') {
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      const channels = CHANNELS[colour!];
      if (depth !== 8 || !channels || interlace !== 0)
        throw new PngError(
          `unsupported PNG (bit depth ${depth}, colour type ${colour}, interlace ${interlace}); 8-bit grey, RGB or RGBA, not interlaced, is supported`,
        );
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), channels };
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  if (!header) throw new PngError('not a PNG (no IHDR chunk)');
  const { width, height, channels } = header;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new PngError('truncated PNG image data');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = up ? up[i]! : 0;
      const c = up && i >= channels ? up[i - channels]! : 0;
      const x = src[i]!;
      if (filter === 0) row[i] = x;
      else if (filter === 1) row[i] = x + a;
      else if (filter === 2) row[i] = x + b;
      else if (filter === 3) row[i] = x + ((a + b) >> 1);
      else if (filter === 4) row[i] = x + paeth(a, b, c);
      else throw new PngError(`bad PNG filter type ${filter} in row ${y}`);
    }
  }
  return { width, height, channels, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export interface EncodeOptions {
  /**
   * Each row's filter: the one of least absolute sum (`adaptive`), or none. An image of flat
   * colour and repeats, like a social card, deflates smaller unfiltered: measured on a card,
   * 35 KB at level 6 against 42 KB with Up and 43 KB with Sub, in a fraction of the time.
   * (default: 'adaptive')
   */
  rows?: 'adaptive' | 'unfiltered';
  /** zlib's level, 0-9. (default: 9) */
  level?: number;
}

/** Encode losslessly. */
export function encodePng(png: DecodedPng, options: EncodeOptions = {}): Buffer {
  const { width, height, channels, pixels } = png;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  if (options.rows === 'unfiltered') {
    for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  } else filterRows(png, raw);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const idat = deflateSync(raw, { level: options.level ?? 9, memLevel: 9 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Each row of `raw` with the filter of least absolute sum (libpng's heuristic). */
function filterRows(png: DecodedPng, raw: Buffer): void {
  const { width, height, channels, pixels } = png;
  const stride = width * channels;
  const candidate = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    let bestSum = Infinity;
    for (let f = 0; f <= 4; f++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? row[i - channels]! : 0;
        const b = up ? up[i]! : 0;
        const c = up && i >= channels ? up[i - channels]! : 0;
        const predicted = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (row[i]! - predicted) & 0xff;
        candidate[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) {
        bestSum = sum;
        raw[y * (stride + 1)] = f;
        candidate.copy(raw, y * (stride + 1) + 1);
      }
    }
  }
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** Pixels whose channels differ between two decoded images of the same size and format. */
export function differingPixels(a: DecodedPng, b: DecodedPng): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels)
    throw new PngError(`images differ in size or format (${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels})`);
  let n = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    for (let c = 0; c < a.channels; c++) {
      if (a.pixels[p * a.channels + c] !== b.pixels[p * a.channels + c]) {
        n++;
        break;
      }
    }
  }
  return n;
}
