import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StoneRecipe } from '../stone-cache.ts';
import { hashFiles } from '../stone-cache.ts';
import { install } from '../tree.ts';
import { debTree } from './deb-tree.ts';

export const FILES = join(import.meta.dirname, '../files');

/** Shipped defaults of /etc files (/usr/share/defaults/etc): a differing /etc file is drift. */
const ETC_DEFAULTS = ['inittab', 'profile', 'hostname', 'hosts'];
/** The base account databases (root, nobody), /usr/share/onix/accounts: /etc/passwd, group and
 *  shadow start from them, then the seam adds its users at every boot, so they are machine state,
 *  not defaults an /etc file could drift from. */
export const ACCOUNT_FILES = ['passwd', 'group', 'shadow'];

export function filesystemRecipe(): StoneRecipe {
  const files = [...ETC_DEFAULTS, ...ACCOUNT_FILES, 'os-release', 'sysinit', 'shutdown', 'sshd'].map((f) => join(FILES, f));
  return {
    meta: { name: 'filesystem', version: '1', release: 1, summary: 'ONIX base layout, os-release and /etc defaults', licenses: ['MPL-2.0'] },
    inputs: [hashFiles(files)],
    async make(usr) {
      for (const d of ['bin', 'lib', 'libexec/onix', 'share/defaults/etc', 'lib/kernel', 'lib/modules']) mkdirSync(join(usr, d), { recursive: true });
      symlinkSync('bin', join(usr, 'sbin'));
      symlinkSync('lib', join(usr, 'lib64'));
      for (const f of ETC_DEFAULTS) install(join(FILES, f), join(usr, 'share/defaults/etc', f));
      for (const f of ACCOUNT_FILES) install(join(FILES, f), join(usr, 'share/onix/accounts', f), f === 'shadow' ? 0o600 : 0o644);
      install(join(FILES, 'os-release'), join(usr, 'lib/os-release'));
      install(join(FILES, 'sysinit'), join(usr, 'libexec/onix/sysinit'), 0o755);
      install(join(FILES, 'shutdown'), join(usr, 'libexec/onix/shutdown'), 0o755);
      install(join(FILES, 'sshd'), join(usr, 'libexec/onix/sshd'), 0o755);
    },
  };
}

export function muslRecipe(deb: string): StoneRecipe {
  return {
    meta: { name: 'musl', version: '1.2.3', release: 1, summary: 'musl libc, the base C library', licenses: ['MIT'], dependencies: ['filesystem'] },
    inputs: [basename(deb)],
    async make(usr, work) {
      const tree = await debTree([deb], join(work, 'deb'));
      mkdirSync(join(usr, 'lib'), { recursive: true });
      renameSync(join(tree, 'lib/x86_64-linux-musl/libc.so'), join(usr, 'lib/ld-musl-x86_64.so.1'));
      symlinkSync('ld-musl-x86_64.so.1', join(usr, 'lib/libc.musl-x86_64.so.1'));
      rmSync(join(work, 'deb'), { recursive: true, force: true });
    },
  };
}

/** A small stone the image's local repository offers but no state installs: `moss install onix-hello`. */
export function helloRecipe(): StoneRecipe {
  const script = '#!/bin/sh\necho "hello from the ONIX machine plane (stone onix-hello, state $(cat /usr/.stateID))"\n';
  return {
    meta: {
      name: 'onix-hello',
      version: '1.0',
      release: 1,
      summary: 'says hello from the machine plane (to try moss install)',
      licenses: ['MPL-2.0'],
      dependencies: ['busybox'],
    },
    inputs: [script],
    async make(usr) {
      mkdirSync(join(usr, 'bin'), { recursive: true });
      writeFileSync(join(usr, 'bin/onix-hello'), script, { mode: 0o755 });
    },
  };
}
