// The systemd-boot stone: Debian's systemd-boot-efi, of which moss needs one file.
// moss hands blsforme the new state's files matching `lib*/systemd/boot/efi/*.efi`
// (os-tools moss/src/client/boot.rs:180) and syncs no boot entries at all when there is
// none (boot.rs:185-188); blsforme copies `systemd-bootx64.efi` to the ESP
// (blsforme bootloader/systemd_boot/mod.rs:72-102). The stubs (`*.efi.stub`, `*.elf.stub`)
// are for unified kernel images, which ONIX does not build.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { StoneRecipe } from '../stone-cache.ts';
import { debTree } from './deb-tree.ts';

/** Where the boot loader lives in /usr (Debian's path, and the one moss's pattern matches). */
export const SYSTEMD_BOOT_EFI = 'lib/systemd/boot/efi/systemd-bootx64.efi';

export function systemdBootRecipe(deb: string, version: string): StoneRecipe {
  return {
    meta: {
      name: 'systemd-boot',
      version: version.replace(/-.*$/, ''),
      release: 1,
      summary: 'systemd-boot, the UEFI boot manager moss installs to the ESP',
      description: `Debian ${basename(deb)}`,
      licenses: ['LGPL-2.1-or-later'],
      dependencies: ['filesystem'],
    },
    inputs: [basename(deb)],
    async make(usr, work) {
      const tree = await debTree([deb], join(work, 'deb'));
      mkdirSync(join(usr, 'lib/systemd/boot/efi'), { recursive: true });
      copyFileSync(join(tree, SYSTEMD_BOOT_EFI), join(usr, SYSTEMD_BOOT_EFI));
      rmSync(join(work, 'deb'), { recursive: true, force: true });
    },
  };
}
