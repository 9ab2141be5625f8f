// Maps a target name to a Machine: `local`, `sandbox`, `vm`, `ssh://user@host[:port]`.
import type { ImageProvider, MachineImage } from './image.ts';
import { LocalMachine, type LocalMachineOptions } from './local.ts';
import { MachineError, type Machine } from './machine.ts';
import { QemuMachine, type QemuMachineOptions } from './qemu.ts';
import { SandboxMachine, type SandboxMachineOptions } from './sandbox.ts';
import { parseSshTarget, SshMachine, type SshMachineOptions } from './ssh.ts';

export interface CreateMachineOptions {
  /** What the vm and sandbox targets boot (required for them; onix/image/provider.ts has the test image). */
  image?: MachineImage | ImageProvider;
  local?: LocalMachineOptions;
  vm?: QemuMachineOptions;
  sandbox?: SandboxMachineOptions;
  ssh?: SshMachineOptions;
}

export const TARGETS = ['local', 'sandbox', 'vm', 'ssh://user@host[:port]'] as const;

/** Targets that run the image they are given (`image`); the others run what is already there. */
export function bootsImage(target: string): boolean {
  return target === 'vm' || target === 'sandbox';
}

/** A machine for `target`; nothing starts until its boot(). Throws MachineError for an unknown target. */
export function createMachine(target: string, options: CreateMachineOptions = {}): Machine {
  if (target === 'local') return new LocalMachine(options.local);
  if (target === 'vm') return new QemuMachine({ image: options.image, ...options.vm });
  if (target === 'sandbox') return new SandboxMachine({ image: options.image, ...options.sandbox });
  if (target.startsWith('ssh://')) {
    const t = parseSshTarget(target);
    if (!t) throw new MachineError(`bad ssh target: ${target} (expected ssh://user@host[:port])`);
    // ONIX_SSH_OPTIONS: extra ssh arguments (e.g. "-i KEY -o StrictHostKeyChecking=no") for callers that pass none.
    const extra = process.env.ONIX_SSH_OPTIONS?.trim();
    return new SshMachine(t, { ...options.ssh, sshArgs: options.ssh?.sshArgs ?? (extra ? extra.split(/\s+/) : undefined) });
  }
  throw new MachineError(`unknown target: ${target} (expected one of ${TARGETS.join(', ')})`);
}
