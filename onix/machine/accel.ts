// Chooses QEMU's accelerator: KVM only when the CPU exposes vmx/svm, /dev/kvm
// opens, and a probe QEMU with -accel kvm really answers within a few seconds
// (some hosts show /dev/kvm yet hang in KVM). Otherwise TCG. The answer is cached
// per process; ONIX_MACHINE_ACCEL=kvm|tcg forces it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export type Accel = 'kvm' | 'tcg';

function cpuHasVirt(): boolean {
  try {
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

function kvmOpens(): boolean {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/** Starts a paused KVM guest and asks its monitor whether KVM is on; false on hang or error. */
function kvmAnswers(qemu: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(qemu, ['-accel', 'kvm', '-machine', 'pc', '-m', '32', '-nodefaults', '-display', 'none', '-monitor', 'stdio', '-S'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      p.kill('SIGKILL');
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    p.on('error', () => done(false));
    p.on('exit', () => done(/kvm support: enabled/.test(out)));
    p.stdout.on('data', (b) => {
      out += b;
      if (/kvm support: enabled/.test(out)) {
        // Paused guests say enabled even where running hangs; run it briefly too.
        p.stdin.write('cont\ninfo status\nquit\n');
      }
    });
    p.stdin.write('info kvm\n');
  });
}

let cached: Promise<Accel> | null = null;

export function chooseAccel(qemu = 'qemu-system-x86_64'): Promise<Accel> {
  const forced = process.env.ONIX_MACHINE_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return Promise.resolve(forced);
  cached ??= (async () => {
    if (!cpuHasVirt() || !kvmOpens()) return 'tcg';
    return (await kvmAnswers(qemu, 5000)) ? 'kvm' : 'tcg';
  })();
  return cached;
}
