// `npm run vm -- <command>`: the ONIX test machine from a terminal.
//
//   shell [--target vm|sandbox|local|ssh://user@host[:port]] [--user NAME]
//         [--ssh-port PORT [--ssh-key FILE.pub]]
//       boot the machine and give a shell on it (default target: vm); a reboot (typed, or
//       started by a command) really reboots it and the shell continues on the rebooted
//       machine. --ssh-port forwards 127.0.0.1:PORT to the VM's SSH server and authorizes
//       the key (default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub) for root, so
//       `npm run spec -- --target ssh://root@127.0.0.1:PORT` runs against it meanwhile
//   run   [--target ...] [--user NAME] -- COMMAND...
//       boot, run one command, print its stdout/stderr, exit with its status. One word
//       after -- is a shell command line (`run -- 'ls | wc -l'`); several are one
//       command's argv, each word kept whole (`run -- sh -c 'echo a; echo b'`)
//   boot  [--profile] [--reboot]
//       boot the VM (and reboot it), print how long it took; --profile prints where
//       each second went (boot-profile.ts), with the kernel's initcalls timed
//
// Exit status: the command's own for `run`; 2 when the machine could not be run
// (one line on stderr, the console tail after it).
//
// This is where the machine layer meets the image builder: the VM and the sandbox boot
// the test image (onix/image/provider.ts).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { testImage } from './image/provider.ts';
import { sweepLeftovers } from './leftovers.ts';
import { shellQuote } from './shell-quote.ts';
import { task } from './task.ts';
import type { AgentSession } from './machine/agent-client.ts';
import { MachineError, type Machine, type Session } from './machine/machine.ts';
import { formatBootProfile, PROFILE_KERNEL_OPTIONS } from './machine/boot-profile.ts';
import { QemuMachine } from './machine/qemu.ts';
import { createMachine } from './machine/targets.ts';

class UsageError extends Error {}

const USAGE =
  'usage: npm run vm -- shell|run [--target vm|sandbox|local|ssh://user@host[:port]] [--user NAME] [--ssh-port PORT [--ssh-key FILE.pub]] [-- COMMAND...]\n' +
  '       npm run vm -- boot [--profile] [--reboot]';

function progress(line: string): void {
  process.stderr.write(`\x1b[2m· ${line}\x1b[0m\n`);
}

/** `boot` boots cold (it times a boot); shell and run start from the saved booted state when there is one. */
function machineFor(target: string, cold: boolean, sshPort?: number, kernelOptions?: string): Machine {
  return createMachine(target, {
    image: testImage,
    vm: { onProgress: progress, sshPort, kernelOptions, warmStart: !cold },
    sandbox: { onProgress: progress },
  });
}

async function shell(m: Machine, user: string | undefined, target: string): Promise<number> {
  let s = await m.session({ user });
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const lines = rl[Symbol.asyncIterator](); // from now on no typed line is lost
  let running = false;
  rl.on('SIGINT', () => {
    if (running) void (s as AgentSession).signal?.('SIGINT');
    else {
      rl.write('\n');
      rl.prompt();
    }
  });
  const who = user ?? 'root';
  const promptFor = async (): Promise<void> => {
    const r = await s.run('printf %s "$PWD"', { timeoutMs: 30_000 }).catch(() => null); // going down: no cwd
    rl.setPrompt(`${who}@onix(${target}):${r?.stdout ?? ''}${who === 'root' ? '#' : '$'} `);
  };
  await promptFor();
  rl.prompt();
  for await (const line of { [Symbol.asyncIterator]: () => lines }) {
    const command = line.trim();
    if (command === '') {
      rl.prompt();
      continue;
    }
    if (command === 'reboot') {
      await task(progress, 'rebooting', () => m.reboot());
      s = await m.session({ user });
    } else {
      // A command rebooted the machine (`... && reboot`): go on in a session on the rebooted one.
      if (!s.alive && m.capabilities.reboot) s = await task(progress, 'the machine rebooted; a new session', () => m.session({ user }));
      running = true;
      let r;
      try {
        r = await s.run(line, { timeoutMs: 24 * 3600_000 });
      } catch (e) {
        if (!(e instanceof MachineError) || !m.capabilities.reboot) throw e;
        process.stderr.write(`vm: the machine went down while this ran (${e.message})\n`);
        s = await task(progress, 'waiting for it to come back', () => m.session({ user }));
      } finally {
        running = false;
      }
      if (r) {
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        if (!s.alive) {
          rl.close();
          return r.status;
        }
      }
    }
    await promptFor();
    rl.prompt();
  }
  await s.close();
  return 0;
}

interface SshOptions {
  port: number;
  key: string;
  keyFile: string;
}

function sshOptions(port: string | undefined, keyFile: string | undefined, target: string): SshOptions | null {
  if (port === undefined) {
    if (keyFile !== undefined) throw new UsageError('--ssh-key needs --ssh-port');
    return null;
  }
  if (target !== 'vm') throw new UsageError('--ssh-port is for --target vm');
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--ssh-port must be a port number, not ${port}`);
  const candidates = keyFile ? [keyFile] : ['id_ed25519.pub', 'id_ecdsa.pub', 'id_rsa.pub'].map((f) => join(homedir(), '.ssh', f));
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new UsageError(keyFile ? `--ssh-key: no such file: ${keyFile}` : 'no ~/.ssh/id_*.pub to authorize: give --ssh-key FILE.pub');
  const key = readFileSync(file, 'utf8').trim();
  if (!/^(ssh-|ecdsa-|sk-)\S+ \S+/.test(key) || key.includes('\n') || key.includes("'")) throw new UsageError(`--ssh-key: ${file} is not one public key`);
  return { port: n, key, keyFile: file };
}

/** Authorizes the key for root on the VM and says how to reach it. */
async function authorize(m: Machine, ssh: SshOptions): Promise<void> {
  const s = await m.session();
  const r = await s.run(`mkdir -p -m 700 /root/.ssh && echo '${ssh.key}' >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys`, {
    timeoutMs: 30_000,
  });
  await s.close();
  if (r.status !== 0) throw new MachineError(`cannot authorize ${ssh.keyFile}: ${r.stderr.trim()}`);
  // The VM makes a new host key each boot: do not record it.
  const identity = ssh.keyFile.endsWith('.pub') ? `-i ${ssh.keyFile.slice(0, -4)} ` : '';
  const opts = `${identity}-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
  progress(`authorized ${ssh.keyFile} for root; from another terminal:`);
  progress(`  ssh ${opts} -p ${ssh.port} root@127.0.0.1`);
  progress(`  ONIX_SSH_OPTIONS='${opts}' npm run spec -- --target ssh://root@127.0.0.1:${ssh.port}`);
}

/** The shell command line `run` gives the machine: one word is already one, several are an argv. */
function commandLine(words: string[]): string {
  return words.length === 1 ? words[0]! : words.map(shellQuote).join(' ');
}

async function runOne(s: Session, command: string): Promise<number> {
  const r = await s.run(command, { timeoutMs: 24 * 3600_000 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.status < 0 ? 124 : r.status;
}

/** Boots (and reboots) the VM and prints the time each took, and with `profile` where it went. */
async function bootOnly(m: Machine, profile: boolean, reboot: boolean): Promise<number> {
  if (!(m instanceof QemuMachine)) throw new UsageError('boot is for --target vm');
  const show = async (what: string, ms: number): Promise<void> => {
    process.stdout.write(`${what}: ${(ms / 1000).toFixed(2)} s\n`);
    if (profile) process.stdout.write(`${formatBootProfile(await m.bootProfile())}\n`);
  };
  let t0 = performance.now();
  await m.boot();
  await show('boot', performance.now() - t0);
  if (reboot) {
    t0 = performance.now();
    await m.reboot();
    await show('reboot', performance.now() - t0);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'shell' && command !== 'run' && command !== 'boot') throw new UsageError(command ? `unknown command: ${command}` : 'no command');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        target: { type: 'string', default: 'vm' },
        user: { type: 'string' },
        'ssh-port': { type: 'string' },
        'ssh-key': { type: 'string' },
        profile: { type: 'boolean', default: false },
        reboot: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { target, user } = parsed.values;
  if (command === 'run' && parsed.positionals.length === 0) throw new UsageError('run needs a command after --');
  const ssh = sshOptions(parsed.values['ssh-port'], parsed.values['ssh-key'], target!);
  const swept = await sweepLeftovers();
  if (swept) process.stderr.write(`vm: ${swept}\n`);
  const profile = command === 'boot' && parsed.values.profile === true;
  const m = machineFor(target!, command === 'boot', ssh?.port, profile ? PROFILE_KERNEL_OPTIONS : undefined);
  try {
    if (command === 'boot') return await bootOnly(m, profile, parsed.values.reboot === true);
    await task(progress, `booting ${target}`, () => m.boot());
    if (ssh) await authorize(m, ssh);
    if (command === 'run') return await runOne(await m.session({ user }), commandLine(parsed.positionals));
    return await shell(m, user, target!);
  } finally {
    await m.shutdown();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`vm: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (e instanceof MachineError) {
      process.stderr.write(`vm: ${e.message}\n`);
      if (e.consoleTail.trim()) process.stderr.write(`--- console (last lines) ---\n${e.consoleTail.trim().split('\n').slice(-15).join('\n')}\n`);
      process.exit(2);
    }
    process.stderr.write(`vm: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
