// "No QEMU process remains after the test process is killed": a child process
// boots a machine and is SIGKILLed; every process it started must be gone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive, descendants } from '../process-tree.ts';

for (const target of ['vm', 'sandbox']) {
  test(`no ${target} process remains after the test process is SIGKILLed`, { timeout: 600_000 }, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/hold-machine.ts'), target], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // A failed assertion must not leave the child (and its machine) running.
    t.after(() => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (b) => {
        out += b;
        if (out.includes('UP')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`the child exited early (${code})`)));
    });
    // The backgrounded `sleep 1000` is a forked shell until it execs: on a busy machine the
    // child can say UP before the process carries its name, so wait for it (at most 10 s).
    const expected = target === 'vm' ? 'qemu-system' : 'sleep 1000';
    let tree = descendants(child.pid!);
    for (const until = Date.now() + 10_000; !tree.some((p) => p.cmd.includes(expected)) && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      tree = descendants(child.pid!);
    }
    assert.ok(
      tree.some((p) => p.cmd.includes(expected)),
      target === 'vm' ? 'QEMU runs under the child' : 'the sandbox runs processes under the child',
    );
    child.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    let left = tree.filter((p) => alive(p.pid));
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      left = tree.filter((p) => alive(p.pid));
    }
    assert.deepEqual(
      left.map((p) => p.cmd),
      [],
    );
  });
}
