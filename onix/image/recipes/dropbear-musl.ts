// The dropbear stone: the SSH server an ONIX developer reaches the machine
// through (`--target ssh://root@host`), built from Debian's dropbear source
// package with Debian's musl toolchain, dynamically linked against the musl
// loader. It runs only where the machine has a network interface (files/sshd).
//
// Where this build differs from Debian's (debian/rules) and why is in
// CONFIGURE_CHANGES and LOCAL_OPTIONS; the manifest repeats them.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DebPin } from '../debs.ts';
import { buildStep, kernelHeaders, MUSL_BUILD_CODE, muslBuildEnv, type MuslToolchain } from '../musl-toolchain.ts';
import { sourceDateEpoch, unpackSource } from '../source-packages.ts';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashText } from '../stone-cache.ts';

/** ./configure flags that differ from debian/rules, with the reason for each. */
export const CONFIGURE_CHANGES: { flags: string[]; why: string }[] = [
  {
    flags: ['--enable-bundled-libtom'],
    why: "Debian links its glibc-built libtomcrypt1/libtommath1 (--disable-bundled-libtom); here the copies in dropbear's own source tarball are compiled against musl",
  },
  { flags: ['--disable-zlib'], why: "Debian's zlib1g is glibc-built; SSH compression is optional (Debian's own diet-libc build option does the same)" },
  {
    flags: ['--disable-lastlog', '--disable-utmp', '--disable-utmpx', '--disable-wtmp', '--disable-wtmpx', '--disable-pututline', '--disable-pututxline'],
    why: 'the base keeps no login records (musl provides only stub utmp functions)',
  },
];

/** Lines added to Debian's debian/localoptions.h. */
export const LOCAL_OPTIONS: { line: string; why: string }[] = [
  {
    line: '#define DROPBEAR_SVR_PASSWORD_AUTH 0',
    why: "Debian's musl has no crypt(), so no password logins (public keys only; without password support dropbear has no -s option, so files/sshd passes none)",
  },
];

export function dropbearMuslRecipe(source: { pin: DebPin; dsc: string }, headers: { pin: DebPin; deb: string }, toolchain: MuslToolchain): StoneRecipe {
  const upstream = source.pin.version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
  return {
    meta: {
      name: 'dropbear',
      version: upstream,
      release: 2,
      summary: 'dropbear SSH server (Debian source, built against musl), for reaching the machine over SSH',
      description: `Debian source ${source.pin.name} ${source.pin.version}, built with ${toolchain.id}; kernel headers ${headers.pin.name} ${headers.pin.version}`,
      licenses: ['MIT'],
      dependencies: ['filesystem', 'musl'],
    },
    code: [fileURLToPath(import.meta.url), ...MUSL_BUILD_CODE],
    inputs: [hashText(basename(source.dsc), basename(headers.deb), toolchain.id, JSON.stringify(CONFIGURE_CHANGES), JSON.stringify(LOCAL_OPTIONS))],
    async make(usr, work) {
      const src = join(work, 'dropbear');
      await unpackSource(source.dsc, src);
      const include = await kernelHeaders(headers.deb, join(work, 'kernel-headers'));
      const { env, cflags } = muslBuildEnv(await sourceDateEpoch(src), work, include);
      // As debian/rules does before building, plus our lines.
      const localOptions = `${readFileSync(join(src, 'debian/localoptions.h'), 'utf8') + LOCAL_OPTIONS.map((o) => o.line).join('\n')}\n`;
      writeFileSync(join(src, 'localoptions.h'), localOptions);
      const log = join(work, 'build.log');
      const configure = [
        '--host=x86_64-linux-musl',
        '--build=x86_64-linux-gnu',
        'CC=musl-gcc',
        `CFLAGS=-O2 ${cflags}`,
        ...CONFIGURE_CHANGES.flatMap((c) => c.flags),
      ];
      await buildStep('dropbear configure', './configure', configure, { cwd: src, env, log });
      const programs = ['dropbear', 'dropbearkey'];
      await buildStep('dropbear build', 'make', [`-j${toolchain.jobs}`, `PROGRAMS=${programs.join(' ')}`], { cwd: src, env, log });
      await buildStep('dropbear strip', 'strip', ['--strip-all', ...programs], { cwd: src, env, log });
      mkdirSync(join(usr, 'bin'), { recursive: true });
      for (const p of programs) {
        copyFileSync(join(src, p), join(usr, 'bin', p));
        chmodSync(join(usr, 'bin', p), 0o755);
      }
    },
  };
}
