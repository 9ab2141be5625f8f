// ELF inspection and relocation with the host's patchelf (a host tool, not
// image contents): what a binary needs, and pointing it at the store.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { ImageBuildError } from '../host-tools.ts';

/** True when the file starts with the ELF magic. */
export function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}

function patchelf(args: string[]): string {
  const r = spawnSync('patchelf', args, { encoding: 'utf8' });
  if (r.error) throw new ImageBuildError(`cannot run patchelf (install with: apt-get install patchelf): ${r.error.message}`);
  if (r.status !== 0) throw new ImageBuildError(`patchelf ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** DT_NEEDED entries, in order. */
export function needed(path: string): string[] {
  return patchelf(['--print-needed', path]).split('\n').filter(Boolean);
}

/** The program interpreter, or undefined for shared libraries and static binaries. */
export function interpreter(path: string): string | undefined {
  const r = spawnSync('patchelf', ['--print-interpreter', path], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || undefined : undefined;
}

export interface Relocation {
  /** New program interpreter (executables only). */
  interpreter?: string;
  /** New DT_RUNPATH, colon-separated dirs. */
  runpath?: string;
}

/** Rewrites interpreter and/or RUNPATH in place. */
export function relocate(path: string, r: Relocation): void {
  const args: string[] = [];
  if (r.interpreter) args.push('--set-interpreter', r.interpreter);
  if (r.runpath !== undefined) args.push('--set-rpath', r.runpath);
  if (args.length) patchelf([...args, path]);
}

/** DT_RUNPATH (or DT_RPATH) entries. */
export function runpath(path: string): string[] {
  return patchelf(['--print-rpath', path]).trim().split(':').filter(Boolean);
}
