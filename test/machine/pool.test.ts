// The warm machine pool (onix/machine/pool.ts) on real local machines: booted once, restored
// before each job, jobs queue, a newer job of a key replaces or cancels the older one, a
// machine without snapshots is one machine without restores, close() frees everything.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LocalMachine } from '../../onix/machine/local.ts';
import type { Machine } from '../../onix/machine/machine.ts';
import { MachinePool } from '../../onix/machine/pool.ts';

function localPool(made: LocalMachine[], size = 1, snapshot = true, warm = false): MachinePool {
  return new MachinePool({
    target: 'local',
    size,
    warm,
    create: () => {
      const m = new LocalMachine();
      // A machine that cannot snapshot, as an ssh target is: the pool must neither restore nor run two at once.
      if (!snapshot) Object.assign(m, { capabilities: { ...m.capabilities, snapshot: false } });
      made.push(m);
      return m;
    },
  });
}

async function sh(m: Machine, command: string): Promise<string> {
  const s = await m.session();
  try {
    return (await s.run(command)).stdout;
  } finally {
    await s.close();
  }
}

describe('MachinePool', () => {
  it('boots one machine, keeps it, and restores it before each later job', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made);
    try {
      const first = await pool.run('a', async (m) => sh(m, 'touch left-behind; echo one'));
      assert.deepEqual(first, { cancelled: false, value: 'one\n' });
      const second = await pool.run('b', async (m) => sh(m, 'ls'));
      assert.deepEqual(second, { cancelled: false, value: '' }, 'the second job sees the snapshot, not what the first left');
      assert.equal(made.length, 1, 'one machine for both jobs');
      assert.equal(pool.identity?.target, 'local');
    } finally {
      await pool.close();
    }
  });

  it('a warm pool restores as soon as a job ends, so the next job waits for no restore', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made, 1, true, true);
    try {
      await pool.run('a', async (m) => sh(m, 'touch left-behind'));
      const home = made[0]!.homeDir;
      // The restore runs in the background: the home directory is replaced by a fresh copy.
      for (let i = 0; i < 50 && made[0]!.homeDir === home; i++) await new Promise((r) => setTimeout(r, 20));
      assert.notEqual(made[0]!.homeDir, home, 'restored without a job asking');
      const restored = made[0]!.homeDir;
      assert.deepEqual(await pool.run('b', async (m) => sh(m, 'ls')), { cancelled: false, value: '' });
      assert.equal(made[0]!.homeDir, restored, 'not restored a second time before the job');
    } finally {
      await pool.close();
    }
  });

  it('replaces a queued job by a newer one of the same key, and runs the rest in order', async () => {
    const pool = localPool([]);
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const order: string[] = [];
      const blocker = pool.run('blocker', async () => {
        await gate;
        order.push('blocker');
      });
      const old = pool.run('case', async () => order.push('old'));
      const other = pool.run('other', async () => order.push('other'));
      const newer = pool.run('case', async () => order.push('newer'));
      assert.deepEqual(await old, { cancelled: true });
      release();
      await Promise.all([blocker, other, newer]);
      assert.deepEqual(order, ['blocker', 'other', 'newer']);
    } finally {
      await pool.close();
    }
  });

  it('cancels a running job of the same key at once: its command is ended by the restore', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made);
    try {
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      const t0 = performance.now();
      const old = pool.run('case', async (m, signal) => {
        const s = await m.session();
        started();
        const r = await s.run('sleep 30; echo finished').catch((e: Error) => e);
        return { aborted: signal.aborted, r };
      });
      await running;
      await new Promise((r) => setTimeout(r, 200));
      const newer = pool.run('case', async (m) => sh(m, 'echo newer'));
      assert.deepEqual(await old, { cancelled: true });
      assert.deepEqual(await newer, { cancelled: false, value: 'newer\n' });
      assert.ok(performance.now() - t0 < 20_000, 'the old job did not run its 30 s command to the end');
      assert.equal(made.length, 1);
    } finally {
      await pool.close();
    }
  });

  it('spreads jobs over up to `size` machines', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made, 2);
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const a = pool.run('a', async () => gate);
      const b = pool.run('b', async () => gate);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pool.pending, 2);
      release();
      await Promise.all([a, b]);
      assert.equal(made.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('runs a machine without snapshots one job at a time, without restoring, and says so', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made, 4, false);
    try {
      const caps = await pool.open();
      assert.equal(caps.snapshot, false);
      assert.match(pool.note ?? '', /no snapshots: cases run one at a time .* without a restore/);
      let busy = 0;
      let most = 0;
      await Promise.all(
        ['a', 'b', 'c'].map((k) =>
          pool.run(k, async (m) => {
            busy++;
            most = Math.max(most, busy);
            await sh(m, 'true');
            busy--;
          }),
        ),
      );
      assert.equal(most, 1, 'never two jobs at once');
      assert.ok(made.every((m) => m.capabilities.snapshot === false));
    } finally {
      await pool.close();
    }
  });

  it('close() cancels queued jobs and shuts every machine down; later jobs are refused', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made);
    await pool.run('boot', async () => {});
    const home = made[0]!.homeDir!;
    assert.ok(existsSync(home));
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const blocker = pool.run('blocker', async () => gate);
    const queued = pool.run('queued', async () => 'ran');
    const closing = pool.close();
    assert.deepEqual(await queued, { cancelled: true });
    release();
    await blocker;
    await closing;
    assert.equal(existsSync(home), false, "the machine's directory is gone");
    await assert.rejects(
      pool.run('late', async () => {}),
      /pool is closed/,
    );
  });

  it('recycle() boots a new machine for the next job', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made);
    try {
      await pool.run('a', async () => {});
      pool.recycle();
      await pool.run('b', async () => {});
      assert.equal(made.length, 2);
    } finally {
      await pool.close();
    }
  });

  it('close() shuts every machine down even when one fails to, and returns that failure in one line', async () => {
    const made: LocalMachine[] = [];
    const pool = localPool(made, 2);
    const both = Promise.all([pool.run('a', async (m) => sh(m, 'sleep 0.3')), pool.run('b', async (m) => sh(m, 'sleep 0.3'))]);
    await both;
    assert.equal(made.length, 2);
    const homes = made.map((m) => m.homeDir!);
    assert.ok(homes.every((h) => existsSync(h)));
    const realShutdown = made[0]!.shutdown.bind(made[0]!);
    made[0]!.shutdown = async () => {
      await realShutdown();
      throw new Error('cannot remove /tmp/x (EBUSY)');
    };
    const problems = await pool.close();
    assert.deepEqual(problems, ['local: shutting down failed: cannot remove /tmp/x (EBUSY)']);
    for (const h of homes) assert.equal(existsSync(h), false, `${h}: every machine was shut down`);
  });
});
