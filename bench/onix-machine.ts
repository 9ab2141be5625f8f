// npm run bench:onix -- --target vm|sandbox: `onix status` on the test machine itself, next
// to peers run in the same guest in the same rounds (interleaved, so load from other work
// hits all of them alike):
//   - the sh pipeline reading the same files (bench/onix.ts SH_PEER): the floor for the job;
//   - `moss state active`: the other Node command of the image;
//   - the island's `node -e 0`: Node's own start-up, the floor for any JS command;
//   - `/bin/true`: one fork and exec of busybox.
// Timed inside the guest from /proc/uptime (10 ms ticks) over BATCH runs a sample, so a
// sample's resolution is 10/BATCH ms. Prints median / min per run and ratios to onix status.
import { readFileSync } from 'node:fs';
import { testImage } from '../onix/image/provider.ts';
import { createMachine } from '../onix/machine/targets.ts';

const BATCH = 5;

const PEERS: [string, string][] = [
  ['onix status', 'onix status'],
  ['sh pipeline (same files)', 'sh /tmp/peer.sh'],
  ['moss state active', 'moss state active'],
  ['node -e 0 (start-up floor)', '/usr/lib/onix/bin/node -e 0'],
  ['/bin/true (fork + exec)', '/bin/true'],
];

/** One shell script that times every peer, `rounds` interleaved rounds, a line per sample. */
function guestScript(rounds: number): string {
  const samples = PEERS.map(
    ([, cmd], i) => `s=$(now); i=0; while [ $i -lt ${BATCH} ]; do ${cmd} >/dev/null 2>&1; i=$((i+1)); done; e=$(now); echo "${i} $s $e"`,
  ).join('\n');
  return `now() { read u _ < /proc/uptime; echo $u; }
r=0
while [ $r -lt ${rounds} ]; do
${samples}
r=$((r+1))
done`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchOnMachine(target: string, rounds: number, shPeer: string): Promise<void> {
  const m = createMachine(target, { image: testImage, vm: { accel: 'tcg' } });
  try {
    await m.boot();
    const s = await m.session();
    await s.run(`cat > /tmp/peer.sh <<'PEER'\nR=\n${shPeer}\nPEER`);
    console.log(`onix status on the ${target}:\n${(await s.run('onix status')).stdout}`);
    for (const [, cmd] of PEERS) await s.run(`${cmd} >/dev/null 2>&1`); // warm the page cache
    const out = await s.run(guestScript(rounds), { timeoutMs: 3_600_000 });
    if (out.status !== 0) throw new Error(`the timing script failed: ${out.stderr}`);
    const perRun = PEERS.map(() => [] as number[]);
    for (const line of out.stdout.trim().split('\n')) {
      const [i, start, end] = line.split(' ').map(Number);
      perRun[i].push(((end - start) * 1000) / BATCH);
    }
    const load = (await s.run('cat /proc/loadavg')).stdout.trim();
    await s.close();
    const onix = median(perRun[0]);
    console.log(`${rounds} rounds, ${BATCH} runs a sample, timed in the guest; ms per run: median / min, ratio of medians to onix status\n`);
    console.log(`${'command'.padEnd(30)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'ratio'.padStart(6)}`);
    PEERS.forEach(([name], i) => {
      const med = median(perRun[i]);
      console.log(
        `${name.padEnd(30)} ${med.toFixed(0).padStart(8)} ${Math.min(...perRun[i])
          .toFixed(0)
          .padStart(8)} ${(med / onix).toFixed(2).padStart(6)}`,
      );
    });
    const floor = median(perRun[3]);
    console.log(
      `\nonix status: median ${onix.toFixed(0)} ms on the ${target} (target < 100 ms: ${onix < 100 ? 'met' : 'NOT met'}); of it, Node's start-up ${floor.toFixed(0)} ms; guest load ${load}; host load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
  } finally {
    await m.shutdown();
  }
}
