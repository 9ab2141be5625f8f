// A run killed with SIGKILL in the middle of a machine's boot leaves its working directory
// behind (for the VM: a qcow2 overlay); the next run removes it before it starts its own
// machine, says what it freed in one line, and leaves no directory and no process of either
// run. The VM is killed once; the sandbox (faster) is killed and is the "next run" for both.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const repo = join(import.meta.dirname, '../..');

function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
        return [
          {
            pid: Number(n),
            ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
            cmd: readFileSync(`/proc/${n}/cmdline`, 'latin1').replace(/\0/g, ' '),
          },
        ];
      } catch {
        return [];
      }
    });
  const found: Array<{ pid: number; cmd: string }> = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of all)
      if (c.ppid === p && !found.some((f) => f.pid === c.pid)) {
        found.push(c);
        stack.push(c.pid);
      }
  }
  return found;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** This target's working directory in `tmp` that names `pid` as its owner, or null. */
function dirOwnedBy(tmp: string, prefix: string, pid: number): string | null {
  for (const name of readdirSync(tmp).filter((n) => n.startsWith(prefix))) {
    try {
      if ((JSON.parse(readFileSync(join(tmp, name, '.onix-owner'), 'utf8')) as { pid: number }).pid === pid) return join(tmp, name);
    } catch {
      /* not claimed yet */
    }
  }
  return null;
}

for (const [target, prefix, inside] of [
  ['vm', 'onix-vm-', 'disk.qcow2'],
  ['sandbox', 'onix-sandbox-', 'snapshots'],
] as const) {
  test(`a run killed mid-boot of the ${target}: the next run removes its directory and says so`, { timeout: 900_000 }, async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'onix-leftovers-'));
    const env = { ...process.env, TMPDIR: tmp };
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-machine.ts'), target], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill('SIGKILL'));
    let booted = false;
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('UP')) booted = true;
    });
    // Mid-boot: the machine's directory is claimed and (for the VM) QEMU is running.
    let dir: string | null = null;
    await until(
      `the ${target}'s directory`,
      () => {
        if (dir === null) dir = dirOwnedBy(tmp, prefix, child.pid!);
        return dir !== null && existsSync(join(dir, inside)) && (target !== 'vm' || descendants(child.pid!).some((p) => p.cmd.includes('qemu-system')));
      },
      600_000,
    );
    const tree = descendants(child.pid!);
    child.kill('SIGKILL');
    await until("the killed run's processes to die", () => tree.every((p) => !running(p.pid)), 15_000);
    assert.equal(booted, false, 'killed before the machine was up');
    assert.ok(existsSync(join(dir!, inside)), `the killed run left ${dir}/${inside}`);

    const next = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'onix/vm.ts'), 'run', '--target', 'sandbox', '--', 'true'], {
      env,
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(next.status, 0, next.stderr);
    const lines = next.stderr.split('\n').filter((l) => l.includes('left by killed runs'));
    assert.equal(lines.length, 1, next.stderr);
    assert.match(lines[0]!, /^vm: removed 1 working directory left by killed runs, freeing \d+(\.\d)? [KMG]iB$/);
    assert.equal(existsSync(dir!), false);
    assert.deepEqual(
      readdirSync(tmp).filter((n) => n.startsWith('onix-')),
      [],
      'no directory of either run is left',
    );
    assert.deepEqual(
      tree.filter((p) => running(p.pid)).map((p) => p.cmd),
      [],
    );
  });
}
