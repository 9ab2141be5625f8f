// Where a VM lives before its first QEMU starts: its image (built by the provider when
// asked), its accelerator, and its own directory with the disk overlays over the image's
// base disks (root, boot), the console log and the sockets (qemu-command.ts names them).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { chooseAccel, type Accel } from './accel.ts';
import { baseDisk, bootDisk, createOverlay } from './disk.ts';
import { type ImageProvider, imageFrom, type MachineImage } from './image.ts';
import { describeSweep, makeOwnedDir, sweepMachineDirs } from '../owned-dirs.ts';
import type { QemuPaths } from './qemu-command.ts';

export interface Placed {
  dir: string;
  paths: QemuPaths;
  image: MachineImage;
  accel: Accel;
  /** The base disks under the overlays (root, boot): shared by every clone, so marked used at each start. */
  bases: string[];
}

/** Makes the image, chooses the accelerator (unless given) and prepares a machine directory with its overlay. */
export async function placeMachine(
  source: MachineImage | ImageProvider,
  accel: Accel | undefined,
  qemu: string | undefined,
  progress: (line: string) => void,
): Promise<Placed> {
  const image = await imageFrom(source, progress);
  const chosen = accel ?? (await chooseAccel(qemu));
  progress(`preparing the disk for image ${image.imageId}`);
  const base = await baseDisk(image.imageId, image.rootfs);
  const boot = await bootDisk(image.imageId, image.rootfs);
  // Machines of killed runs left their directories (and overlays) behind: remove them first.
  const swept = describeSweep(await sweepMachineDirs());
  if (swept) progress(swept);
  const dir = makeOwnedDir('onix-vm-');
  const paths = {
    overlay: join(dir, 'disk.qcow2'),
    bootOverlay: join(dir, 'boot.qcow2'),
    console: join(dir, 'console.log'),
    qmp: join(dir, 'qmp.sock'),
    agent: join(dir, 'agent.sock'),
  };
  try {
    // Both qemu-img processes at once (about 50 ms each, and every boot waits for them); both
    // settle before the directory is removed on a failure.
    const made = await Promise.allSettled([createOverlay(base, paths.overlay), createOverlay(boot, paths.bootOverlay)]);
    const failed = made.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, paths, image, accel: chosen, bases: [base, boot] };
}
