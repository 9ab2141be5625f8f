// Which C library an executable runs on, read from the file itself: the ELF
// program interpreter (PT_INTERP), the path the kernel maps as the dynamic
// loader. musl's loader is /lib/ld-musl-<arch>.so.1, glibc's x86-64 one is
// /lib64/ld-linux-x86-64.so.2; an ELF executable without PT_INTERP is static.
// Only 64-bit little-endian ELF is read (the machine is x86-64).
import { closeSync, openSync, readSync } from 'node:fs';

export type ElfLibc = 'musl' | 'glibc' | 'static' | 'other';

export interface ElfInterp {
  /** The PT_INTERP path, or null: a static executable (or a shared library, which has none either). */
  interp: string | null;
  libc: ElfLibc;
}

/**
 * musl's built-in library search path, used when /etc/ld-musl-<arch>.path is absent
 * (musl ldso/dynlink.c: `sys_path = "/lib:/usr/local/lib:/usr/lib"`).
 */
export const MUSL_LIBRARY_PATH = ['/lib', '/usr/local/lib', '/usr/lib'];

const PT_INTERP = 3;
const ET_EXEC = 2;
const ET_DYN = 3;

/** The libc a program interpreter path belongs to. */
export function libcOfInterp(interp: string | null): ElfLibc {
  if (interp === null) return 'static';
  if (/\/ld-musl-[\w-]+\.so\.1$/.test(interp)) return 'musl';
  if (/\/ld-linux[\w.-]*\.so\.\d+$/.test(interp)) return 'glibc';
  return 'other';
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** The program interpreter of an ELF file, or undefined when the file is not a 64-bit ELF executable or shared object. */
export function readElfInterp(path: string): ElfInterp | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = readAt(fd, 0, 64);
    if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
    // Executables and shared objects only (ET_EXEC, ET_DYN): a kernel module (ET_REL) runs on no libc.
    if (![ET_EXEC, ET_DYN].includes(head.readUInt16LE(16))) return undefined;
    const phoff = Number(head.readBigUInt64LE(32));
    const phentsize = head.readUInt16LE(54);
    const phnum = head.readUInt16LE(56);
    const table = readAt(fd, phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (at + 40 > table.length) break;
      if (table.readUInt32LE(at) !== PT_INTERP) continue;
      const offset = Number(table.readBigUInt64LE(at + 8));
      const size = Number(table.readBigUInt64LE(at + 32));
      const interp = readAt(fd, offset, size).toString('latin1').replace(/\0.*$/s, '');
      return { interp, libc: libcOfInterp(interp) };
    }
    return { interp: null, libc: 'static' };
  } finally {
    closeSync(fd);
  }
}
