// `npm run vm -- ...` from a terminal: usage errors are one clear line and exit 2 before
// any machine starts; `run` passes the command's output and exit status through.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const repo = join(import.meta.dirname, '../..');

function vm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repo, 'onix/bin/vm.js'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run vm', () => {
  for (const [args, message] of [
    [['reboot'], /^vm: unknown command: reboot$/],
    [['shell', '--ssh-port', 'abc'], /^vm: --ssh-port must be a port number, not abc$/],
    [['shell', '--ssh-port', '70000'], /^vm: --ssh-port must be a port number, not 70000$/],
    [['shell', '--ssh-key', '/tmp/k.pub'], /^vm: --ssh-key needs --ssh-port$/],
    [['shell', '--target', 'sandbox', '--ssh-port', '2222'], /^vm: --ssh-port is for --target vm$/],
    [['shell', '--ssh-port', '2222', '--ssh-key', '/nonexistent/k.pub'], /^vm: --ssh-key: no such file: \/nonexistent\/k\.pub$/],
    [['run', '--target', 'local'], /^vm: run needs a command after --$/],
  ] as const) {
    it(`${args.join(' ')}: one line, exit 2, nothing booted`, () => {
      const r = vm(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr.split('\n')[0]!, message);
      assert.match(r.stderr.split('\n')[1]!, /^usage: npm run vm -- shell\|run /);
      assert.doesNotMatch(r.stderr, /booting/);
    });
  }

  it('run passes stdout, stderr and the exit status through (local target)', () => {
    const r = vm('run', '--target', 'local', '--', 'echo out; echo err >&2; exit 3');
    assert.equal(r.status, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err$/m);
  });

  it('run keeps each word of a several-word command whole, as docker exec does', () => {
    const r = vm('run', '--target', 'local', '--', 'sh', '-c', 'echo "$0|$1"; echo two', "it's", 'a b');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "it's|a b\ntwo\n");
  });
});
