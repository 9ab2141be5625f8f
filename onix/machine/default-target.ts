// The machine a contributor's `npm run spec` and `npm run build` verify on when they
// name none: the real VM where QEMU is installed, else the namespace sandbox (fast,
// but it cannot test the kernel or boot entries; the runner says so per case).
// ONIX_TARGET overrides both, e.g. ONIX_TARGET=ssh://root@laptop.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function defaultTarget(): string {
  const chosen = process.env.ONIX_TARGET?.trim();
  if (chosen) return chosen;
  return onPath('qemu-system-x86_64') ? 'vm' : 'sandbox';
}
