// The busybox stone: the base command set (shell, core tools, init) built from
// Debian's busybox source package with Debian's musl toolchain, dynamically
// linked against the musl loader (/lib/ld-musl-x86_64.so.1 = /usr/lib/...).
//
// The configuration is Debian's own for busybox-static (debian/config/pkg/static,
// the applet set the image shipped before) with the changes in CONFIG_CHANGES,
// each for a stated reason; the build fails if Kconfig drops one of them.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebPin } from '../debs.ts';
import { ImageBuildError } from '../host-tools.ts';
import { buildStep, kernelHeaders, MUSL_BUILD_CODE, muslBuildEnv, type MuslToolchain } from '../musl-toolchain.ts';
import { sourceDateEpoch, unpackSource } from '../source-packages.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashText } from '../stone-cache.ts';

/** Changes to Debian's busybox-static configuration: value, or false for "is not set". */
export const CONFIG_CHANGES: Record<string, { value: string | false; why: string }> = {
  CONFIG_STATIC: { value: false, why: 'dynamically linked against the base libc, musl' },
  CONFIG_STATIC_LIBGCC: { value: false, why: 'no static libgcc in a dynamic musl binary' },
  CONFIG_EXTRA_COMPAT: { value: false, why: "grep's GNU regex extensions (re_syntax_options, RE_* syntax bits) are glibc-only; musl's regex is POSIX" },
  CONFIG_FEATURE_VI_REGEX_SEARCH: { value: false, why: "vi's regex search uses the same GNU regex API" },
};

function configLine(name: string, value: string | false): string {
  return value === false ? `# ${name} is not set` : `${name}=${value}`;
}

/** Debian's config with CONFIG_CHANGES applied (and the kernel headers' include dir). */
function configure(debianConfig: string, extraCflags: string): string {
  const changes: Record<string, string | false> = {
    ...Object.fromEntries(Object.entries(CONFIG_CHANGES).map(([k, c]) => [k, c.value])),
    CONFIG_EXTRA_CFLAGS: JSON.stringify(extraCflags),
  };
  const seen = new Set<string>();
  const lines = debianConfig.split('\n').map((line) => {
    const name = /^(?:# )?(CONFIG_\w+)(?:=| is not set)/.exec(line)?.[1];
    if (!name || !(name in changes)) return line;
    seen.add(name);
    return configLine(name, changes[name]);
  });
  for (const name of Object.keys(changes)) if (!seen.has(name)) lines.push(configLine(name, changes[name]));
  return lines.join('\n');
}

export function busyboxMuslRecipe(source: { pin: DebPin; dsc: string }, headers: { pin: DebPin; deb: string }, toolchain: MuslToolchain): StoneRecipe {
  const upstream = source.pin.version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
  return {
    meta: {
      name: 'busybox',
      version: upstream,
      release: 2,
      summary: 'busybox (Debian source, built against musl): shell, core tools and init',
      description: `Debian source ${source.pin.name} ${source.pin.version}, built with ${toolchain.id}; kernel headers ${headers.pin.name} ${headers.pin.version}`,
      licenses: ['GPL-2.0-only'],
      dependencies: ['filesystem', 'musl'],
    },
    code: [fileURLToPath(import.meta.url), ...MUSL_BUILD_CODE],
    inputs: [hashText(basename(source.dsc), basename(headers.deb), toolchain.id, JSON.stringify(CONFIG_CHANGES))],
    async make(usr, work) {
      const src = join(work, 'busybox');
      await unpackSource(source.dsc, src);
      const include = await kernelHeaders(headers.deb, join(work, 'kernel-headers'));
      const { env, cflags } = muslBuildEnv(await sourceDateEpoch(src), work, include);
      writeFileSync(join(src, '.config'), configure(readFileSync(join(src, 'debian/config/pkg/static'), 'utf8'), cflags));
      const log = join(work, 'build.log');
      const make = ['CC=musl-gcc', 'HOSTCC=gcc', 'V=1'];
      // oldconfig answers any question Debian's file leaves open with its default.
      await buildStep('busybox oldconfig', 'sh', ['-c', `yes "" | make ${make.join(' ')} oldconfig`], { cwd: src, env, log });
      const config = readFileSync(join(src, '.config'), 'utf8').split('\n');
      for (const [name, c] of Object.entries(CONFIG_CHANGES))
        if (!config.includes(configLine(name, c.value)))
          throw new ImageBuildError(`busybox Kconfig did not keep ${configLine(name, c.value)} (a dependency changed upstream?)`);
      // The setuid binary below is safe only because applets drop the privilege they do not need.
      if (!config.includes('CONFIG_FEATURE_SUID=y'))
        throw new ImageBuildError('busybox is installed setuid root but its configuration lacks CONFIG_FEATURE_SUID=y');
      await buildStep('busybox build', 'make', [`-j${toolchain.jobs}`, ...make, 'busybox', 'busybox.links'], { cwd: src, env, log });
      mkdirSync(join(usr, 'bin'), { recursive: true });
      copyFileSync(join(src, 'busybox'), join(usr, 'bin/busybox'));
      // setuid root: su, passwd, login and crontab are applets that refuse to run for a user
      // otherwise (BB_SUID_REQUIRE, libbb/appletlib.c:619-623), and Debian's configuration
      // has CONFIG_FEATURE_SUID, so every other applet drops the privilege as it starts
      // (BB_SUID_DROP, appletlib.c:624-640). The stone's layout carries the mode; moss puts
      // it on the blitted file (onix/moss/blit-mode.ts).
      chmodSync(join(usr, 'bin/busybox'), 0o4755);
      // /usr/sbin is a link to bin in the filesystem stone: every applet goes to /usr/bin.
      const applets = readFileSync(join(src, 'busybox.links'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => basename(l));
      for (const a of new Set(applets)) if (a !== 'busybox') symlinkSync('busybox', join(usr, 'bin', a));
    },
  };
}
