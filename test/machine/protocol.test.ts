import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FrameReader } from '../../onix/machine/agent/protocol.ts';

test('frames survive arbitrary chunking, split UTF-8 and garbage lines', () => {
  const got: unknown[] = [];
  const r = new FrameReader((f) => got.push(f));
  const text = Buffer.from(`garbage from before a loadvm\n{"half":\n${encodeFrame({ id: 1, s: 'héllo ✓' })}[1,2]\n${encodeFrame({ id: 2 })}`);
  for (let i = 0; i < text.length; i += 3) r.push(text.subarray(i, i + 3));
  assert.deepEqual(got, [{ id: 1, s: 'héllo ✓' }, { id: 2 }]);
});

test('a large frame arriving in many chunks is parsed once', () => {
  const got: Array<{ data: string }> = [];
  const r = new FrameReader((f) => got.push(f as { data: string }));
  const big = Buffer.from(encodeFrame({ data: 'x'.repeat(3_000_000) }));
  for (let i = 0; i < big.length; i += 65536) r.push(big.subarray(i, i + 65536));
  assert.equal(got.length, 1);
  assert.equal(got[0].data.length, 3_000_000);
});
