// A private sshd on 127.0.0.1 for the ssh driver's tests: its own host key,
// authorized key and config in a temp dir, a free high port. The far side runs
// the agent from this repository through tsx (a wrapper script is the agent command).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TestSshd {
  port: number;
  dir: string;
  sshArgs: string[];
  agentCommand: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'onix-sshd-'));
  const keygen = (file: string): void => {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  };
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  spawnSync('cp', [join(dir, 'client_key.pub'), join(dir, 'authorized_keys')]);
  const repo = resolve(import.meta.dirname, '../..');
  const agentCommand = join(dir, 'onix-agent');
  writeFileSync(
    agentCommand,
    `#!/bin/sh\nexec ${process.execPath} --import ${join(repo, 'node_modules/tsx/dist/esm/index.mjs')} ${join(repo, 'onix/machine/agent/main.ts')} "$@"\n`,
    { mode: 0o755 },
  );
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
  const port = await freePort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr!.on('data', (b) => (log += b));
  const sshArgs = [
    '-i',
    join(dir, 'client_key'),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'LogLevel=ERROR',
  ];
  // Wait until it accepts connections.
  for (let i = 0; ; i++) {
    const r = spawnSync('ssh', [...sshArgs, '-o', 'BatchMode=yes', '-p', String(port), 'root@127.0.0.1', 'true'], { encoding: 'utf8' });
    if (r.status === 0) break;
    if (i > 50 || sshd.exitCode !== null) throw new Error(`sshd did not start: ${log} ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    port,
    dir,
    sshArgs,
    agentCommand,
    async stop() {
      if (sshd.exitCode === null) {
        const gone = new Promise((res) => sshd.once('exit', res));
        sshd.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
