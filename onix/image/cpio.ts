// A minimal writer for the "newc" cpio format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst), so building the
// development initrd needs no host cpio.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

function header(name: string, mode: number, size: number, ino: number, nlink: number): Buffer {
  const fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
  return Buffer.from(`070701${fields.map((n) => n.toString(16).padStart(8, '0')).join('')}${name}\0`);
}

function pad4(parts: Buffer[], length: number): number {
  const p = (4 - (length % 4)) % 4;
  if (p) parts.push(Buffer.alloc(p));
  return length + p;
}

/** The whole tree under `dir` as one uncompressed newc archive (owner root, mtime 0). */
export function cpioFromDir(dir: string): Buffer {
  const parts: Buffer[] = [];
  let length = 0;
  let ino = 1;
  const add = (name: string, mode: number, data: Buffer, nlink: number): void => {
    const h = header(name, mode, data.length, ino++, nlink);
    parts.push(h);
    length = pad4(parts, length + h.length);
    if (data.length) {
      parts.push(data);
      length = pad4(parts, length + data.length);
    }
  };
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${entry}` : entry;
      const st = lstatSync(join(dir, r));
      if (st.isDirectory()) {
        add(r, st.mode, Buffer.alloc(0), 2);
        walk(r);
      } else if (st.isSymbolicLink()) {
        add(r, st.mode, Buffer.from(readlinkSync(join(dir, r))), 1);
      } else if (st.isFile()) {
        add(r, st.mode, readFileSync(join(dir, r)), 1);
      }
    }
  };
  walk('');
  add('TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts, length);
}
