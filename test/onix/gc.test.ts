// onix gc on real fixture roots: moss state prune (the stand-in) then the real
// `nix store gc` against the root's store, in that order, under a lock, with
// measured results; refusals and failures change nothing.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepForBooted, planPrune } from '../../onix/cli/gc.ts';
import { readBootedId } from '../../onix/planes/machine.ts';
import { cleanup, lines, makeRoot, mossBinDir, ONIX_BIN, onix, script, skipRuntime, startDaemon, tempDir, treeDigest } from './helpers.ts';

const MOSS = join(mossBinDir(), 'moss');

describe('onix gc', () => {
  after(cleanup);

  it('plans prune as upstream: only states older than the active one, keeping keep - 1 of them (os-tools moss/src/client/prune.rs:64-90)', () => {
    const states = [1, 2, 3, 4].map((id) => ({ id, type: 'transaction', created: 1000 + id, summary: null, description: null }));
    const view = { activeId: 4, states, archivedIds: [1, 2, 3], entries: [], loaderDefault: null, defaultEntry: null, bootedId: 1 };
    assert.deepEqual(planPrune(view, 1), { doomed: [1, 2, 3], kept: [4] });
    assert.deepEqual(planPrune(view, 2), { doomed: [1, 2], kept: [3, 4] });
    assert.deepEqual(planPrune({ ...view, bootedId: null, activeId: 2 }, 1), { doomed: [1], kept: [2, 3, 4] }, 'newer states stay');
    assert.equal(keepForBooted(view, 1), 4, 'booted 1 is the third older state: keep 4 spares it');
    assert.equal(keepForBooted(view, 4), null);
    assert.equal(keepForBooted({ ...view, bootedId: 4 }, 1), null, 'booted = active');
    assert.equal(keepForBooted({ ...view, bootedId: null }, 1), null);
    const cmdline = join(tempDir(), 'cmdline');
    writeFileSync(cmdline, 'root=/dev/vda rw console=ttyS0 quiet moss.fstx=12\n');
    assert.equal(readBootedId('/', cmdline), 12);
    assert.equal(readBootedId('/mnt/other', cmdline), null);
  });

  it('prunes moss states, then collects Nix garbage, reporting what each freed', async () => {
    const fx = makeRoot();
    const daemon = await startDaemon(fx.root);
    const log = join(tempDir(), 'calls.log');
    const moss = script('moss', `echo "moss $*" >> "${log}"; exec "${MOSS}" "$@"`);
    const nix = script('nix', `echo "nix $*" >> "${log}"; exec nix "$@"`);
    try {
      const r = onix(['--root', fx.root, '--moss', moss, '--nix', nix, 'gc', '--keep', '1']);
      assert.equal(r.status, 0, r.stderr);
      const out = lines(r.stdout);
      assert.match(out[0], /^moss: {8}pruned 2 states \(1, 2\), freed [1-9][0-9.]* KiB$/);
      assert.match(out[1], /^nix: {9}deleted 1 store path, freed [1-9][0-9.]* KiB$/);
      assert.equal(out[2], 'kept:        fstx 3 (active 3)');
      const calls = lines(readFileSync(log, 'utf8'));
      assert.equal(calls.length, 2);
      assert.match(calls[0], /^moss -D \S+ -y state prune -k 1$/);
      assert.match(calls[1], /^nix --extra-experimental-features nix-command store gc --store /);
      const store = readdirSync(join(fx.root, 'nix/store'))
        .filter((n) => n !== '.links')
        .sort();
      assert.deepEqual(store, fx.live);
      assert.ok(!existsSync(join(fx.root, '.moss/root/1')) && !existsSync(join(fx.root, '.moss/root/2')));
      assert.equal(readFileSync(join(fx.root, 'usr/.stateID'), 'utf8'), '3');
      assert.match(onix(['--root', fx.root, 'status']).stdout, /^boot entry: {2}onix-6.1.0-28-amd64-3.conf$/m);
      assert.ok(!existsSync(join(fx.root, 'run/onix/gc.lock')), 'lock left behind');
    } finally {
      await daemon.stop();
    }
  });

  it('--dry-run shows both planes and changes nothing', async () => {
    const fx = makeRoot({ active: 2, bridgeFor: 2 });
    const daemon = await startDaemon(fx.root);
    try {
      const digest = treeDigest(fx.root, skipRuntime);
      const r = onix(['--root', fx.root, '--moss', MOSS, 'gc', '--keep', '1', '--dry-run']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(lines(r.stdout).slice(0, 1), ['moss:        would prune 1 state (1)']);
      assert.match(lines(r.stdout)[1], /^nix: {9}would delete 1 store path \([0-9.]+ KiB\)$/);
      assert.equal(lines(r.stdout)[2], 'kept:        fstx 2, 3 (active 2)');
      assert.equal(treeDigest(fx.root, skipRuntime), digest);
    } finally {
      await daemon.stop();
    }
  });

  it('stops before nix when moss failed', async () => {
    const fx = makeRoot();
    const daemon = await startDaemon(fx.root);
    try {
      const failing = script('moss', 'echo "moss: disk full" >&2; exit 1');
      const r = onix(['--root', fx.root, '--moss', failing, 'gc']);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, 'onix: gc: moss state prune failed: moss: disk full; stopped before nix store gc\n');
      assert.deepEqual(
        readdirSync(join(fx.root, 'nix/store'))
          .filter((n) => n !== '.links')
          .sort(),
        [...fx.live, ...fx.garbage].sort(),
      );
    } finally {
      await daemon.stop();
    }
  });

  it('refuses with the daemon down, or nix or moss missing, changing nothing', () => {
    const fx = makeRoot();
    const digest = treeDigest(fx.root);
    const down = onix(['--root', fx.root, '--moss', MOSS, 'gc']);
    assert.equal(down.status, 4);
    assert.match(
      down.stderr,
      /^onix: gc: the nix daemon is down \(\/nix\/var\/nix\/daemon-socket\/socket: no socket\); start it first\. Nothing was pruned\n$/,
    );
    const noNix = onix(['--root', fx.root, '--moss', MOSS, '--nix', '/nonexistent/nix', 'gc']);
    assert.equal(noNix.status, 4);
    assert.equal(noNix.stderr, 'onix: nix not found: /nonexistent/nix (pass --nix PATH or set ONIX_NIX)\n');
    const noMoss = onix(['--root', fx.root, 'gc'], { ONIX_MOSS: 'no-such-moss' });
    assert.equal(noMoss.status, 4);
    assert.match(noMoss.stderr, /^onix: moss not found: no-such-moss is not on PATH/);
    const badKeep = onix(['--root', fx.root, '--moss', MOSS, 'gc', '--keep', '0']);
    assert.equal(badKeep.status, 2);
    assert.equal(treeDigest(fx.root), digest);
  });

  it("holds a lock: a second gc is refused while one runs; a dead holder's lock is taken over", async () => {
    const fx = makeRoot();
    const daemon = await startDaemon(fx.root);
    try {
      const lock = join(fx.root, 'run/onix/gc.lock');
      const first = spawn(process.execPath, [ONIX_BIN, '--root', fx.root, '--moss', MOSS, 'gc', '--keep', '2'], {
        env: { ...process.env, ONIX_FAULT: 'gc-locked', ONIX_FAULT_MS: '6000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let firstOut = '';
      first.stdout.on('data', (d) => (firstOut += d));
      const firstDone = new Promise<number | null>((done) => first.on('exit', (code) => done(code)));
      for (let i = 0; i < 400 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 25));
      assert.ok(existsSync(lock), 'first gc did not take the lock');
      const second = onix(['--root', fx.root, '--moss', MOSS, 'gc', '--keep', '2']);
      assert.equal(second.status, 5);
      assert.match(
        second.stderr,
        new RegExp(`^onix: another onix gc is running \\(pid ${first.pid}, lock ${lock.replace(/[/.]/g, '\\$&')}\\); nothing changed\\n$`),
      );
      assert.equal(await firstDone, 0);
      assert.match(firstOut, /^moss: {8}pruned 1 state \(1\)/);
      mkdirSync(join(fx.root, 'run/onix'), { recursive: true });
      writeFileSync(lock, '999999999\n');
      const stale = onix(['--root', fx.root, '--moss', MOSS, 'gc', '--keep', '2']);
      assert.equal(stale.status, 0, stale.stderr);
      assert.ok(!existsSync(lock));
    } finally {
      await daemon.stop();
    }
  });
});
