import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MachineError } from '../../onix/machine/machine.ts';
import { parseSshTarget } from '../../onix/machine/ssh.ts';
import { createMachine } from '../../onix/machine/targets.ts';
import { startSshd, type TestSshd } from './sshd.ts';
import { machineSuite } from './suite.ts';

let sshd: TestSshd;
let home: string;
before(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(tmpdir(), 'onix-ssh-home-'));
});
after(async () => {
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('ssh targets parse', () => {
  assert.deepEqual(parseSshTarget('ssh://root@laptop'), { user: 'root', host: 'laptop', port: null });
  assert.deepEqual(parseSshTarget('ssh://alice@10.0.0.2:2222'), { user: 'alice', host: '10.0.0.2', port: 2222 });
  assert.deepEqual(parseSshTarget('ssh://[::1]:22'), { user: null, host: '::1', port: 22 });
  assert.equal(parseSshTarget('ssh://'), null);
  assert.throws(() => createMachine('ssh://'), MachineError);
});

test('a host without the agent fails with one clear MachineError', async () => {
  const m = createMachine(`ssh://root@127.0.0.1:${sshd.port}`, {
    ssh: { sshArgs: sshd.sshArgs, agentCommand: 'onix-agent-not-installed', connectTimeoutMs: 20_000 },
  });
  await assert.rejects(m.boot(), (e: Error) => e instanceof MachineError && /onix-agent-not-installed|status 127/.test(e.message));
  await m.shutdown();
});

// The test host must stay up: the suite runs everything but the reboot against it.
machineSuite('ssh', () => createMachine(`ssh://root@127.0.0.1:${sshd.port}`, { ssh: { sshArgs: sshd.sshArgs, agentCommand: sshd.agentCommand, cwd: home } }), {
  otherUser: null,
  testReboot: false,
});
