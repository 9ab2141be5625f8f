import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bzImagePayload, hasPvhNote, pvhKernel } from '../../onix/machine/pvh-kernel.ts';

/** A minimal x86-64 ELF whose one PT_NOTE holds a Xen note of `type`. */
function elfWithNote(type: number): Buffer {
  const note = Buffer.alloc(12 + 4 + 8);
  note.writeUInt32LE(4, 0); // namesz ("Xen\0")
  note.writeUInt32LE(8, 4); // descsz
  note.writeUInt32LE(type, 8);
  note.write('Xen\0', 12, 'latin1');
  const elf = Buffer.alloc(64 + 56 + note.length);
  elf.writeUInt32BE(0x7f454c46, 0);
  elf[4] = 2; // 64-bit
  elf[5] = 1; // little-endian
  elf.writeBigUInt64LE(64n, 0x20); // e_phoff
  elf.writeUInt16LE(56, 0x36); // e_phentsize
  elf.writeUInt16LE(1, 0x38); // e_phnum
  elf.writeUInt32LE(4, 64); // PT_NOTE
  elf.writeBigUInt64LE(BigInt(64 + 56), 64 + 8); // p_offset
  elf.writeBigUInt64LE(BigInt(note.length), 64 + 32); // p_filesz
  note.copy(elf, 64 + 56);
  return elf;
}

/** A bzImage-shaped file: boot protocol 2.15 header, one setup sector, `payload` after it (as the kernel does, its size appended). */
function bzImage(payload: Buffer): Buffer {
  const setup = Buffer.alloc(2 * 512);
  setup[0x1f1] = 1;
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x20f, 0x206);
  setup.writeUInt32LE(0x10, 0x248); // payload_offset, from the protected-mode code
  const size = Buffer.alloc(4);
  size.writeUInt32LE(payload.length);
  const withSize = Buffer.concat([payload, size]);
  setup.writeUInt32LE(withSize.length, 0x24c);
  return Buffer.concat([setup, Buffer.alloc(0x10), withSize]);
}

test('finds the PVH entry note, and only that note', () => {
  assert.equal(hasPvhNote(elfWithNote(18)), true);
  assert.equal(hasPvhNote(elfWithNote(6)), false);
  assert.equal(hasPvhNote(Buffer.from('not an elf at all, just text long enough to read a header from it........')), false);
});

test('a bzImage with an xz ELF boots as that ELF, decompressed once; anything else as it is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvh-kernel-'));
  try {
    const elf = elfWithNote(18);
    const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: elf });
    const image = bzImage(xz);
    assert.deepEqual(bzImagePayload(image)?.subarray(0, xz.length), xz);
    const kernel = join(dir, 'vmlinuz');
    writeFileSync(kernel, image);
    const booted = await pvhKernel(kernel);
    assert.equal(booted, `${kernel}.pvh`);
    assert.deepEqual(readFileSync(booted), elf);
    assert.equal(await pvhKernel(kernel), booted); // cached

    const noPvh = join(dir, 'vmlinuz-no-pvh');
    writeFileSync(noPvh, bzImage(execFileSync('xz', ['-c', '--check=crc32'], { input: elfWithNote(6) })));
    assert.equal(await pvhKernel(noPvh), noPvh);
    const gzip = join(dir, 'vmlinuz-gzip');
    writeFileSync(gzip, bzImage(execFileSync('gzip', ['-c'], { input: elf })));
    assert.equal(await pvhKernel(gzip), gzip);
    const notKernel = join(dir, 'plain');
    writeFileSync(notKernel, 'plain text');
    assert.equal(await pvhKernel(notKernel), notKernel);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
