// glprobe, the plane's GL probe: compiled on the host against Debian's EGL/GLES
// headers and glvnd libraries, then seeded into the store unrelocated.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ImageBuildError } from '../host-tools.ts';
import { sourceFile } from './plane-inputs.ts';

/** Compiles glprobe on the host against the unpacked EGL/GLES headers and glvnd libraries. */
export function compileGlprobe(unpacked: Map<string, string>, outFile: string): void {
  const L = 'usr/lib/x86_64-linux-gnu';
  const src = join(dirname(outFile), 'glprobe.c');
  writeFileSync(src, sourceFile('glprobe/glprobe.c'));
  const d = (n: string) => unpacked.get(n)!;
  const args = [
    '-O2',
    '-Wall',
    '-Werror',
    '-o',
    outFile,
    src,
    '-I',
    join(d('libegl-dev'), 'usr/include'),
    '-I',
    join(d('libgles-dev'), 'usr/include'),
    '-I',
    join(d('libgl-dev'), 'usr/include'),
    join(d('libegl1'), L, 'libEGL.so.1'),
    join(d('libgles2'), L, 'libGLESv2.so.2'),
    `-Wl,-rpath-link,${join(d('libglvnd0'), L)}`,
    '-Wl,--build-id=none',
    '-s',
  ];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new ImageBuildError(`compiling glprobe failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
}
