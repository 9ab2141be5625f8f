// `npm run vm -- <command>`: the ONIX test machine from a terminal.
//
//   shell [--target vm|sandbox|local|ssh://user@host[:port]] [--user NAME] [--image auto|dev|real]
//       boot the machine and give a shell on it (default target: vm); `reboot` typed at the
//       prompt really reboots it and the shell continues on the rebooted machine
//   run   [--target ...] [--user NAME] [--image ...] -- COMMAND...
//       boot, run one command, print its stdout/stderr, exit with its status
//
// Exit status: the command's own for `run`; 2 when the machine could not be run
// (one line on stderr, the console tail after it).
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MachineError, type Machine, type Session } from './machine.ts';
import { createMachine } from './targets.ts';
import type { ImageChoice } from './image-source.ts';
import type { AgentSession } from './agent-client.ts';

class UsageError extends Error {}

const USAGE = 'usage: npm run vm -- shell|run [--target vm|sandbox|local|ssh://user@host[:port]] [--user NAME] [--image auto|dev|real] [-- COMMAND...]';

function progress(line: string): void {
  process.stderr.write(`\x1b[2m· ${line}\x1b[0m\n`);
}

async function task<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  progress(`${name}...`);
  const r = await fn();
  progress(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

function machineFor(target: string, image: ImageChoice): Machine {
  return createMachine(target, {
    vm: { imageChoice: image, onProgress: progress },
    sandbox: { imageChoice: image, onProgress: progress },
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
    const r = await s.run('printf %s "$PWD"', { timeoutMs: 30_000 });
    rl.setPrompt(`${who}@onix(${target}):${r.stdout}${who === 'root' ? '#' : '$'} `);
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
      await task('rebooting', () => m.reboot());
      s = await m.session({ user });
    } else {
      running = true;
      const r = await s.run(line, { timeoutMs: 24 * 3600_000 });
      running = false;
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (!s.alive) {
        rl.close();
        return r.status;
      }
    }
    await promptFor();
    rl.prompt();
  }
  await s.close();
  return 0;
}

async function runOne(s: Session, command: string): Promise<number> {
  const r = await s.run(command, { timeoutMs: 24 * 3600_000 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.status < 0 ? 124 : r.status;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'shell' && command !== 'run') throw new UsageError(command ? `unknown command: ${command}` : 'no command');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { target: { type: 'string', default: 'vm' }, user: { type: 'string' }, image: { type: 'string', default: 'auto' } },
      allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { target, user, image } = parsed.values;
  if (!['auto', 'dev', 'real'].includes(image!)) throw new UsageError(`--image must be auto, dev or real, not ${image}`);
  if (command === 'run' && parsed.positionals.length === 0) throw new UsageError('run needs a command after --');
  const m = machineFor(target!, image as ImageChoice);
  try {
    await task(`booting ${target}`, () => m.boot());
    if (command === 'run') return await runOne(await m.session({ user }), parsed.positionals.join(' '));
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
