// The steps that compile the test VM's kernel from Debian's kernel source package (kernel-build.ts
// keeps the result). Every change here compiles the kernel again (KERNEL_CODE): keep it to the steps.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ImageBuildError } from './host-tools.ts';
import { buildStep } from './musl-toolchain.ts';
import { missingOptions, vmKernelFragment } from './recipes/kernel-config.ts';
import { sourceDateEpoch } from './source-packages.ts';

/** Compiles `deb`'s kernel source in `work`, leaving work/out/{vmlinuz,config,lib/modules/<release>}; the log in `log`. */
export async function compileKernel(deb: string, series: string, work: string, release: string, log: string): Promise<void> {
  const name = `linux-source-${series}`;
  const src = join(work, name);
  const sh = (step: string, script: string, cwd = work) => buildStep(step, 'sh', ['-ec', script], { cwd, env: process.env, log });
  // The tree without Documentation/, which the build does not read, except the Kconfig file lib/Kconfig.debug reads.
  await sh(
    'unpack the kernel source',
    `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/src/${name}.tar.xz | xz -dc -T0 | tar -x --exclude='${name}/Documentation/[!K]*'
     dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./usr/share/doc/${name}/changelog.Debian.gz | gzip -dc > changelog`,
  );
  mkdirSync(join(work, 'debian'));
  renameSync(join(work, 'changelog'), join(work, 'debian/changelog'));
  const env = {
    ...process.env,
    ARCH: 'x86_64',
    // Reproducible: the build's date is the package's changelog date; no user or host names.
    KBUILD_BUILD_TIMESTAMP: new Date(Number(await sourceDateEpoch(work)) * 1000).toUTCString(),
    KBUILD_BUILD_USER: 'onix',
    KBUILD_BUILD_HOST: 'onix-image',
    KBUILD_BUILD_VERSION: '1',
    // Set and empty: no "+" for a tree without version control, only CONFIG_LOCALVERSION.
    LOCALVERSION: '',
  };
  const make = (step: string, args: string[]) => buildStep(step, 'make', args, { cwd: src, env, log });
  writeFileSync(join(work, 'onix-vm.config'), vmKernelFragment());
  await make('kernel tinyconfig', ['tinyconfig']);
  await buildStep('kernel configuration', join(src, 'scripts/kconfig/merge_config.sh'), ['-m', '.config', join(work, 'onix-vm.config')], {
    cwd: src,
    env,
    log,
  });
  await make('kernel olddefconfig', ['olddefconfig']);
  const config = readFileSync(join(src, '.config'), 'utf8');
  const lost = missingOptions(config);
  if (lost.length)
    throw new ImageBuildError(`the kernel's Kconfig did not keep ${lost.join(', ')} (onix/image/recipes/kernel-config.ts; a dependency changed?)`);
  await make('kernel build', [`-j${availableParallelism()}`, 'bzImage', 'modules']);
  // The release the build wrote (from the configuration it synced): what uname -r will say.
  const made = readFileSync(join(src, 'include/config/kernel.release'), 'utf8').trim();
  if (made !== release) throw new ImageBuildError(`the kernel source built release ${made}, not ${release}`);
  const out = join(work, 'out');
  await make('kernel modules_install', ['modules_install', `INSTALL_MOD_PATH=${out}`, 'DEPMOD=true']);
  const modules = join(out, 'lib/modules', release);
  // modules_install links back into the build tree, which is removed.
  for (const link of ['build', 'source']) rmSync(join(modules, link), { force: true });
  renameSync(join(src, 'arch/x86/boot/bzImage'), join(out, 'vmlinuz'));
  writeFileSync(join(out, 'config'), config);
  if (!readdirSync(modules).includes('modules.builtin')) throw new ImageBuildError(`the kernel build left no modules.builtin in ${modules}`);
}
