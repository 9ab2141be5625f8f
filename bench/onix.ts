// npm run bench:onix — how fast `onix status` answers on a fixture root, next
// to peers that read the same root in the same run:
//   - sh:   a plain POSIX sh pipeline reading the same files (stateID, BLS
//           entries by moss.fstx=, the daemon socket, /etc vs defaults, the
//           bridge links): the floor for "read a few files and print";
//   - moss: `moss state active` (the stand-in, bundled with esbuild like onix,
//           run by the same node): the other command that reads this state;
//   - nix store ping: the daemon check alone, via the nix binary;
//   - node -e 0: Node's own start-up, the floor for any JS command;
// and onix status called in-process (its own work without start-up).
// With hyperfine installed (Debian `hyperfine`; .ci/setup installs it) each
// command is run and timed by `hyperfine -N`; without it, runs are spawned from
// this process, interleaved (one of each per round) so load from other work
// hits all of them alike. Prints median / p90 / min and ratios.
//
// Options (env): ROUNDS (default 30). `-- --target vm|sandbox` runs the same comparison
// inside the test machine instead (bench/onix-machine.ts).

import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { buildFixtureRoot } from '../test/onix/fixture/build.ts';
import { main as onixMain } from '../onix/cli/run.ts';
import { benchOnMachine } from './onix-machine.ts';

const repo = resolve(import.meta.dirname, '..');
const rounds = Number(process.env.ROUNDS ?? 30);
const { values: args } = parseArgs({ options: { target: { type: 'string' } } });
const work = mkdtempSync(join(tmpdir(), 'onix-bench-'));
const root = join(work, 'root');

// CPU time (user + sys) of each run comes from GNU time when it is installed:
// on a machine shared with other work, wall time mostly measures the queue.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
// hyperfine (Debian `hyperfine`), when installed, runs and times the commands instead.
const HYPERFINE = ['/usr/bin/hyperfine', '/usr/local/bin/hyperfine'].find((p) => existsSync(p)) ?? null;
const cpuFile = join(work, 'cpu');

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; cpu: number; out: string } {
  const t = process.hrtime.bigint();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args], { encoding: 'utf8', env })
    : spawnSync(cmd, args, { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const cpu = GNU_TIME
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .slice(-2)
        .reduce((a, b) => a + Number(b) * 1000, 0)
    : NaN;
  return { ms, cpu, out: r.stdout };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p90: s[Math.floor(s.length * 0.9)], min: s[0] };
};

const SH_PEER = `
R="$1"
id=$(cat "$R/usr/.stateID")
entry=$(grep -l "moss.fstx=$id\\b" "$R"/boot/loader/entries/*.conf | head -n1)
if [ -S "$R/nix/var/nix/daemon-socket/socket" ]; then daemon=healthy; else daemon=down; fi
drift=0
cd "$R/usr/share/defaults/etc" && for f in $(find . -type f); do
  [ -e "$R/etc/$f" ] && ! cmp -s "$f" "$R/etc/$f" && drift=$((drift+1))
done
bad=0
for l in $(find "$R/run/opengl-driver" -type l); do t=$(readlink "$l"); [ -e "$R$t" ] || bad=$((bad+1)); done
echo "active fstx: $id"
echo "boot entry:  \${entry##*/}"
echo "nix daemon:  $daemon"
echo "etc drift:   $drift local overrides"
echo "opengl:      $([ $bad -eq 0 ] && echo coherent || echo broken)"
`;

async function main(): Promise<void> {
  console.log(`building a fixture root in ${root} ...`);
  buildFixtureRoot(root);
  let stopDaemon = (): void => {};
  const socket = join(root, 'nix/var/nix/daemon-socket/socket');
  const hasNix = spawnSync('sh', ['-c', 'command -v nix-daemon && command -v nix']).status === 0;
  if (hasNix) {
    const d = spawn('nix-daemon', ['--store', root], { env: { ...process.env, NIX_DAEMON_SOCKET_PATH: socket }, stdio: 'ignore' });
    stopDaemon = () => d.kill('SIGTERM');
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
  }
  const mossBundle = join(repo, '.cache/onix/bench-moss.cjs');
  await build({
    absWorkingDir: repo,
    entryPoints: ['onix/moss/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: mossBundle,
    packages: 'external',
    logLevel: 'error',
  });

  // As a user runs it: the bin itself, through its #! line.
  const onix = [join(repo, 'onix/bin/onix.js'), ['--root', root, 'status']] as const;
  const first = time(onix[0], [...onix[1]]); // builds the bundle if needed
  console.log(`\nonix status on the fixture root:\n${first.out}`);
  const peers: [string, string, string[]][] = [
    ['onix status', onix[0], [...onix[1]]],
    ['sh pipeline (same files)', 'sh', ['-c', SH_PEER, 'sh', root]],
    ['moss state active (bundled)', process.execPath, [mossBundle, '-D', root, 'state', 'active']],
    ['node -e 0 (start-up floor)', process.execPath, ['-e', '0']],
  ];
  // Node reads NODE_EXTRA_CA_CERTS at start-up; the onix bin unsets it (it speaks no TLS).
  if (process.env.NODE_EXTRA_CA_CERTS) peers.push(['node -e 0, NODE_EXTRA_CA_CERTS unset', 'env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, '-e', '0']]);
  if (hasNix) peers.push(['nix store ping (daemon)', 'nix', ['--extra-experimental-features', 'nix-command', 'store', 'ping', '--store', `unix://${socket}`]]);
  const wall = new Map<string, number[]>(peers.map(([n]) => [n, []]));
  const cpu = new Map<string, number[]>(peers.map(([n]) => [n, []]));
  if (HYPERFINE) {
    // hyperfine starts each command straight from a small native process (-N: no shell) and
    // times it precisely; spawning from this Node process adds its own fork cost to every run.
    const json = join(work, 'hyperfine.json');
    const scripts = peers.map(([, cmd, args], i) => {
      // -N splits a command line on spaces; the sh peer's script goes in a file.
      if (cmd !== 'sh') return [cmd, ...args].join(' ');
      const file = join(work, `peer-${i}.sh`);
      writeFileSync(file, args[1]!);
      return ['sh', file, ...args.slice(3)].join(' ');
    });
    const r = spawnSync(HYPERFINE, ['-N', '--style', 'none', '-w', '3', '-r', String(rounds), '--export-json', json, ...scripts], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
    const results = (JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ times: number[]; user: number; system: number }> }).results;
    results.forEach((res, i) => {
      const name = peers[i]![0];
      wall.set(
        name,
        res.times.map((t) => t * 1000),
      );
      cpu.set(name, [(res.user + res.system) * 1000]);
    });
  } else {
    for (const [, cmd, args] of peers) time(cmd, args); // warm caches
    for (let i = 0; i < rounds; i++) {
      for (const [name, cmd, args] of peers) {
        const t = time(cmd, args);
        wall.get(name)!.push(t.ms);
        cpu.get(name)!.push(t.cpu);
      }
    }
  }
  // onix's own work, without process start-up: `onix status` run in this process.
  const inProcess: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const code = await onixMain(['--root', root, 'status'], process.env, () => {});
    inProcess.push(performance.now() - t);
    if (code !== 0) throw new Error(`in-process onix status exited ${code}`);
  }
  stopDaemon();

  const onixWall = stats(wall.get('onix status')!);
  const onixCpu = stats(cpu.get('onix status')!);
  console.log(
    HYPERFINE
      ? `${rounds} runs each, timed by hyperfine -N (after 3 warm-up runs); per run in ms: wall median / p90 / min, CPU (user+sys) mean; ratios against onix status\n`
      : `${rounds} rounds, interleaved (no hyperfine: spawned from this process, which adds its fork cost); per run in ms: wall median / p90 / min, CPU (user+sys) median; ratios against onix status\n`,
  );
  console.log(
    `${'command'.padEnd(30)} ${'wall'.padStart(8)} ${'p90'.padStart(8)} ${'min'.padStart(8)} ${'ratio'.padStart(6)} ${'cpu'.padStart(7)} ${'ratio'.padStart(6)}`,
  );
  for (const [name] of peers) {
    const w = stats(wall.get(name)!);
    const c = stats(cpu.get(name)!);
    console.log(
      `${name.padEnd(30)} ${w.median.toFixed(1).padStart(8)} ${w.p90.toFixed(1).padStart(8)} ${w.min.toFixed(1).padStart(8)} ${(w.median / onixWall.median).toFixed(2).padStart(6)} ${c.median.toFixed(0).padStart(7)} ${(c.median / onixCpu.median).toFixed(2).padStart(6)}`,
    );
  }
  const own = stats(inProcess);
  console.log(
    `${'onix status, in-process'.padEnd(30)} ${own.median.toFixed(1).padStart(8)} ${own.p90.toFixed(1).padStart(8)} ${own.min.toFixed(1).padStart(8)}   (the command's own work, no process start-up)`,
  );
  const load = readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(
    `\nonix status: wall median ${onixWall.median.toFixed(1)} ms, min ${onixWall.min.toFixed(1)} ms, CPU median ${onixCpu.median.toFixed(0)} ms (target < 150 ms wall: ${onixWall.median < 150 ? 'met' : onixWall.min < 150 ? 'met at best, not at median' : 'NOT met'}); load average ${load} on ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores`,
  );
  rmSync(work, { recursive: true, force: true });
}

if (args.target) await benchOnMachine(args.target, Math.max(1, Math.round(rounds / 3)), SH_PEER);
else await main();
