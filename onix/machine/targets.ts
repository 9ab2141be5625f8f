// Maps a target name to a Machine: `local`, `sandbox`, `vm`, `ssh://user@host[:port]`.
import { LocalMachine, type LocalMachineOptions } from './local.ts';
import { MachineError, type Machine } from './machine.ts';

export interface CreateMachineOptions {
  local?: LocalMachineOptions;
}

export const TARGETS = ['local', 'sandbox', 'vm', 'ssh://user@host[:port]'] as const;

export function createMachine(target: string, options: CreateMachineOptions = {}): Machine {
  if (target === 'local') return new LocalMachine(options.local);
  throw new MachineError(`unknown target: ${target} (expected one of ${TARGETS.join(', ')})`);
}
