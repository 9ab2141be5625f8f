// The kernel as QEMU boots it fastest: the ELF inside a bzImage, entered through its
// PVH entry point. A bzImage decompresses itself in the guest, which under TCG costs
// seconds of emulated CPU (Debian's is xz); QEMU loads an ELF with a PVH note
// (XEN_ELFNOTE_PHYS32_ENTRY, CONFIG_PVH) directly, with the same initrd and command
// line. The ELF is decompressed once on the host and cached beside the bzImage; a
// kernel that is not such a bzImage (no payload, another compression, no PVH note)
// is booted as it is.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';

/** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit entry a PVH boot starts at. */
const PVH_NOTE = 18;
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** The compressed ELF inside a bzImage (boot protocol >= 2.08: payload_offset/length), or null. */
export function bzImagePayload(image: Buffer): Buffer | null {
  if (image.length < 0x250 || image.toString('latin1', 0x202, 0x206) !== 'HdrS' || image.readUInt16LE(0x206) < 0x208) return null;
  const setupSects = image[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const end = start + image.readUInt32LE(0x24c);
  return end <= image.length ? image.subarray(start, end) : null;
}

/** Whether an x86-64 ELF carries the PVH entry note. */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > elf.length || elf.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    let at = Number(elf.readBigUInt64LE(ph + 8));
    const end = Math.min(elf.length, at + Number(elf.readBigUInt64LE(ph + 32)));
    while (at + 12 <= end) {
      const namesz = elf.readUInt32LE(at);
      const descsz = elf.readUInt32LE(at + 4);
      const type = elf.readUInt32LE(at + 8);
      const name = elf.toString('latin1', at + 12, at + 12 + Math.max(0, namesz - 1));
      if (name === 'Xen' && type === PVH_NOTE) return true;
      at += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** `xz -dc --single-stream` (the kernel appends the size after the stream) into `out`; false when xz fails or is missing. */
function unxz(payload: Buffer, out: string): Promise<boolean> {
  return new Promise((resolve) => {
    const fd = openSync(out, 'w');
    const p = spawn('xz', ['-dc', '--single-stream'], { stdio: ['pipe', fd, 'ignore'] });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
    p.stdin!.on('error', () => {}); // xz gone: its status says so
    p.stdin!.end(payload);
    closeSync(fd);
  });
}

/**
 * The kernel file to hand QEMU for `bzImage`: its PVH ELF (made once, at
 * `<bzImage>.pvh`) when it has one, else `bzImage` itself.
 */
export async function pvhKernel(bzImage: string): Promise<string> {
  const out = `${bzImage}.pvh`;
  if (existsSync(out)) return out;
  const payload = bzImagePayload(readFileSync(bzImage));
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    if (payload?.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC) && (await unxz(payload, tmp)) && hasPvhNote(readFileSync(tmp))) {
      renameSync(tmp, out);
      return out;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return bzImage;
}
