// `npm run bench:image`: cold and warm build of the ONIX test image, and its size.
//
// Cold: a fresh cache directory (no stones, no images); the already downloaded
// .debs are hard-linked in so the number measures the build, not the mirror
// (pass --download to fetch them too). The Nix plane comes from its own cache
// (NIX_CACHE, onix/image/nix/plane.ts) in both runs. Warm: the same build again.
// Sizes: the root tree (hard links counted once); moss's content store against the two
// states' /usr as full copies; the stone files (download cache, local repository);
// kernel + initramfs; and the ext4 disk mke2fs -d makes from it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, readImageInfo } from '../onix/image/build.ts';
import { IMAGE_CACHE } from '../onix/image/debs.ts';
import { initrds } from '../onix/moss/boot.ts';

const download = process.argv.includes('--download');
const keep = process.argv.includes('--keep');

function du(path: string): number {
  const args = ['-s', '-B1', path];
  return Number(execFileSync('du', args, { encoding: 'utf8' }).split(/\s/)[0]);
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

const cache = mkdtempSync(join(IMAGE_CACHE, '..', 'image-bench-'));
try {
  if (!download && existsSync(join(IMAGE_CACHE, 'debs'))) {
    execFileSync('cp', ['-al', join(IMAGE_CACHE, 'debs'), join(cache, 'debs')]);
    if (existsSync(join(IMAGE_CACHE, 'apt'))) execFileSync('cp', ['-a', join(IMAGE_CACHE, 'apt'), join(cache, 'apt')]);
  }
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  console.log(`cold build (fresh cache${download ? ', downloading .debs' : ', .debs already downloaded'}) ...`);
  const [cold, coldMs] = await timed(() => buildImage({ cacheDir: cache, onProgress: progress }));
  console.log('warm build (same inputs) ...');
  const [warm, warmMs] = await timed(() => buildImage({ cacheDir: cache }));
  if (warm.imageId !== cold.imageId) console.log(`note: inputs changed between the runs (${cold.imageId} -> ${warm.imageId})`);
  const root = warm.rootfs;
  const info = readImageInfo(root);

  const tree = du(root);
  const usr = du(join(root, 'usr'));
  const archived = du(join(root, '.moss/root/1/usr'));
  const nix = existsSync(join(root, 'nix')) ? du(join(root, 'nix')) : 0;
  const store = du(join(root, '.moss/assets'));
  const downloads = du(join(root, '.moss/cache/downloads'));
  const repo = du(join(root, '.moss/repo'));
  const kdir = join(root, 'usr/lib/kernel', info.kernel);
  const vmlinuz = statSync(join(kdir, 'vmlinuz')).size;
  const initrd = initrds(join(root, 'usr'), info.kernel).reduce((n, f) => n + statSync(join(kdir, f)).size, 0);

  const disk = join(cache, 'disk.ext4');
  const [, diskMs] = await timed(async () => {
    const r = spawnSync('mke2fs', ['-q', '-t', 'ext4', '-d', root, '-F', disk, '3G'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mke2fs: ${r.stderr}`);
  });
  const diskUsed = du(disk);

  console.log('');
  console.log(
    `image ${warm.imageId}: kernel ${info.kernel}, states ${info.states.map((x) => `#${x.id} Mesa ${x.mesa}`).join(', ')}, Nix plane ${info.nixPlane ? 'yes' : 'no'}`,
  );
  console.log(`cold build      ${s(coldMs)}`);
  console.log(`warm build      ${s(warmMs)}   (cold/warm ${(coldMs / warmMs).toFixed(0)}x)`);
  console.log(`root tree       ${mb(tree)} on disk (hard links once)`);
  // Each state's /usr is hard links into the content store: as two full copies it would be usr + archived.
  console.log(
    `  moss store    ${mb(store)} holds both states' files once; as two full /usr copies ${mb(usr + archived)} (${((usr + archived) / store).toFixed(2)}x)`,
  );
  console.log(`  active /usr   ${mb(usr)}; archived state 1 /usr ${mb(archived)}; /nix ${mb(nix)}`);
  console.log(`  stone files   moss's download cache ${mb(downloads)}, the local repository ${mb(repo)}`);
  console.log(`  kernel        vmlinuz ${mb(vmlinuz)}, initrds ${mb(initrd)} (gzip)`);
  console.log(`ext4 disk       ${mb(diskUsed)} allocated (mke2fs -d, ${s(diskMs)})`);
} finally {
  if (!keep) rmSync(cache, { recursive: true, force: true });
  else console.log(`kept ${cache}`);
}
