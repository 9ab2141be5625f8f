// Ties machine processes (QEMU, the sandbox's namespace) to this process:
//  - each is started under `setpriv --pdeathsig SIGKILL`, so the kernel kills it
//    when this process dies, even by SIGKILL;
//  - on exit, SIGINT, SIGTERM and SIGHUP every live one is killed synchronously
//    (then the signal's default action runs unless someone else handles it).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAll();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** Spawns `cmd` so that it cannot outlive this process. */
export function spawnGuarded(cmd: string, args: string[], options: SpawnOptions): ChildProcess {
  install();
  const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', cmd, ...args], options) : spawn(cmd, args, options);
  live.add(child);
  child.on('exit', () => live.delete(child));
  child.on('error', () => live.delete(child));
  return child;
}
