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
import { alive, descendants } from '../process-tree.ts';

const repo = join(import.meta.dirname, '../..');

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
    await until("the killed run's processes to die", () => tree.every((p) => !alive(p.pid)), 15_000);
    assert.equal(booted, false, 'killed before the machine was up');
    assert.ok(existsSync(join(dir!, inside)), `the killed run left ${dir}/${inside}`);

    const next = spawnSync(process.execPath, [join(repo, 'onix/bin/vm.js'), 'run', '--target', 'sandbox', '--', 'true'], {
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
      tree.filter((p) => alive(p.pid)).map((p) => p.cmd),
      [],
    );
  });
}
