// `npm run bench:musl`: what building the base from source against musl costs,
// and whether it is reproducible. Builds the busybox and dropbear stones' trees
// twice, in two different directories, compares the bytes, and times the
// peer in the same run: unpacking Debian's prebuilt glibc binary (busybox-static,
// what the image used before). Sources and .debs come from the image cache
// (fetched first if missing), so the numbers measure the builds, not the mirror.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fetchDebs, IMAGE_CACHE, readPackageList, unpackDeb, type DebPin } from '../onix/image/debs.ts';
import { muslToolchain } from '../onix/image/musl-toolchain.ts';
import { busyboxMuslRecipe } from '../onix/image/recipes/busybox-musl.ts';
import { dropbearMuslRecipe } from '../onix/image/recipes/dropbear-musl.ts';
import { fetchSource } from '../onix/image/source-packages.ts';
import type { StoneRecipe } from '../onix/image/stone-cache.ts';

const groups = readPackageList();
const pinOf = (group: string, name: string): DebPin => {
  const p = groups.get(group)?.find((x) => x.name === name);
  if (!p) throw new Error(`onix/image/packages.txt [${group}] lacks ${name}`);
  return p;
};
const req = (p: DebPin) => `${p.name}=${p.version}`;
const headersPin = pinOf('musl-build', 'linux-libc-dev');
const busyboxStatic = pinOf('base', 'busybox-static');
const debs = await fetchDebs([req(headersPin), req(busyboxStatic)]);
const headers = { pin: headersPin, deb: debs.get('linux-libc-dev')! };
const toolchain = muslToolchain(pinOf('base', 'musl'));
const source = async (name: string) => ({ pin: pinOf('source', name), dsc: await fetchSource(pinOf('source', name)) });
const recipes: [string, StoneRecipe][] = [
  ['busybox', busyboxMuslRecipe(await source('busybox'), headers, toolchain)],
  ['dropbear', dropbearMuslRecipe(await source('dropbear'), headers, toolchain)],
];

/** sha256 of every regular file under dir (relative path -> hash). */
function digest(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = join(rel, e.name);
    if (e.isDirectory()) for (const [k, v] of digest(dir, r)) out.set(k, v);
    else if (e.isFile())
      out.set(
        r,
        createHash('sha256')
          .update(readFileSync(join(dir, r)))
          .digest('hex'),
      );
  }
  return out;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const scratch = mkdtempSync(join(IMAGE_CACHE, '..', 'musl-bench-'));
console.log(`${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} at the start; toolchain: ${toolchain.id}`);
try {
  for (const [name, recipe] of recipes) {
    const runs: { ms: number; files: Map<string, string> }[] = [];
    for (const run of ['a', 'b']) {
      const work = join(scratch, `${name}-${run}`, 'work');
      mkdirSync(join(work, 'usr'), { recursive: true });
      const t = performance.now();
      await recipe.make(join(work, 'usr'), work);
      runs.push({ ms: performance.now() - t, files: digest(join(work, 'usr')) });
    }
    const [a, b] = runs;
    const differ = [...a.files].filter(([f, h]) => b.files.get(f) !== h).map(([f]) => f);
    const size = statSync(join(scratch, `${name}-a/work/usr/bin`, name)).size;
    console.log(
      `${name} (musl, from source): ${s(a.ms)} first build, ${s(b.ms)} second build in another directory; /usr/bin/${name} ${size} bytes; ${differ.length === 0 && a.files.size === b.files.size ? 'same bytes' : `DIFFERENT: ${differ.join(', ')}`}`,
    );
  }
  const t = performance.now();
  await unpackDeb(debs.get('busybox-static')!, join(scratch, 'busybox-static'));
  console.log(
    `peer: busybox-static (Debian's glibc binary) unpacked in ${s(performance.now() - t)}; /bin/busybox ${statSync(join(scratch, 'busybox-static/bin/busybox')).size} bytes`,
  );
  console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
