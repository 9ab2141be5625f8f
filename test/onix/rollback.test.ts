// onix rollback through the moss stand-in on real fixture roots: the measured
// report, the /nix fingerprint catching a change, clean refusals, and an onix
// killed right after moss swapped /usr leaving one consistent state.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, lines, makeRoot, mossBinDir, onix, script, skipRuntime, startDaemon, treeDigest } from './helpers.ts';
import { resolveDefault } from '../../onix/planes/boot-entries.ts';

const MOSS = join(mossBinDir(), 'moss');

/** Every state has exactly one tree (the live /usr or its archive) stamped with its id, and nothing is staged. */
function assertConsistent(root: string, active: number, ids: number[]): void {
  assert.equal(readFileSync(join(root, 'usr/.stateID'), 'utf8').trim(), String(active));
  for (const id of ids) {
    if (id === active) {
      assert.ok(!existsSync(join(root, '.moss/root', String(id))), `state ${id} is active and also archived`);
    } else {
      assert.equal(readFileSync(join(root, '.moss/root', String(id), 'usr/.stateID'), 'utf8').trim(), String(id));
    }
  }
  const staging = join(root, '.moss/root/staging/usr');
  assert.ok(!existsSync(staging) || readdirSync(staging).length === 0, 'a staged /usr was left behind');
  // loader.conf holds a glob; systemd-boot boots the highest entry it matches.
  const loader = readFileSync(join(root, 'boot/loader/loader.conf'), 'utf8');
  const entry = resolveDefault(/^default (.+)$/m.exec(loader)![1], readdirSync(join(root, 'boot/loader/entries')))!;
  assert.match(readFileSync(join(root, 'boot/loader/entries', entry), 'utf8'), new RegExp(`moss\\.fstx=${active}\\b`));
}

describe('onix rollback', () => {
  after(cleanup);

  it('moves the machine plane back through moss and proves /nix untouched', async () => {
    const fx = makeRoot();
    const daemon = await startDaemon(fx.root);
    try {
      const nixBefore = treeDigest(join(fx.root, 'nix'), skipRuntime);
      const r = onix(['--root', fx.root, '--moss', MOSS, 'rollback']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [
        'plane:       machine',
        '/nix:        untouched',
        'fstx:        3 -> 2',
        'boot entry:  onix-6.1.0-28-amd64-2.conf (default)',
        'mesa:        25.0.7 -> 22.3.6',
        'reboot:      needed: the kernel and the graphics bridge are still those of fstx 3',
      ]);
      assert.equal(treeDigest(join(fx.root, 'nix'), skipRuntime), nixBefore);
      assertConsistent(fx.root, 2, [1, 2, 3]);
      const status = lines(onix(['--root', fx.root, 'status']).stdout);
      assert.equal(status[0], 'active fstx: 2');
      assert.equal(status[2], 'nix daemon:  healthy');
      assert.match(status[4], /^opengl: {6}stale, Mesa 25\.0\.7 from fstx 3/);
      const to = onix(['--root', fx.root, '--moss', MOSS, 'rollback', '--to', '3', '--json']);
      assert.equal(to.status, 0, to.stderr);
      const j = JSON.parse(to.stdout);
      assert.deepEqual([j.planes, j.from, j.to, j.nix, j.reboot], [['machine'], 2, 3, 'untouched', false]);
    } finally {
      await daemon.stop();
    }
  });

  it('fails when /nix changed during the rollback, naming what changed', () => {
    const fx = makeRoot();
    const store = join(fx.root, 'nix/store');
    const meddling = script(
      'moss',
      `"${MOSS}" "$@" && mkdir "${store}/00000000000000000000000000000000-intruder" && ln -sfn default-1-link "${fx.root}/nix/var/nix/profiles/other"`,
    );
    const r = onix(['--root', fx.root, '--moss', meddling, 'rollback']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^plane: {7}machine, toolbox$/m);
    assert.match(r.stdout, /^\/nix: {8}CHANGED: store paths \+1 -0; profiles\/gcroots: 1 links changed$/m);
    assert.doesNotMatch(r.stdout, /untouched/);
    assert.match(r.stderr, /^onix: \/nix changed during the rollback/);
  });

  it('refuses cleanly, changing nothing: no earlier state, unknown or active id, bad id', () => {
    const fx = makeRoot({ active: 1, bridgeFor: 1 });
    const digest = treeDigest(fx.root);
    const cases: [string[], number, RegExp][] = [
      [[], 5, /^onix: rollback: no earlier state to roll back to \(active fstx 1 is the oldest with a tree\)$/],
      [['--to', '9'], 5, /^onix: rollback: no state 9 \(states: 1, 2, 3\)$/],
      [['--to', '1'], 5, /^onix: rollback: state 1 is already active$/],
      [['--to', 'abc'], 2, /^onix: rollback: --to needs a state id/],
      [['--to'], 2, /^onix: option --to needs a value \(ID\)$/],
    ];
    for (const [args, code, message] of cases) {
      const r = onix(['--root', fx.root, '--moss', MOSS, 'rollback', ...args]);
      assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(lines(r.stderr).length, 1);
      assert.match(r.stderr.trim(), message);
    }
    assert.equal(treeDigest(fx.root), digest);
  });

  it('moss missing or failing: one line, non-zero, nothing changed', () => {
    const fx = makeRoot();
    const digest = treeDigest(fx.root);
    const missing = onix(['--root', fx.root, 'rollback'], { ONIX_MOSS: '/nonexistent/moss' });
    assert.equal(missing.status, 4);
    assert.equal(missing.stderr, 'onix: moss not found: /nonexistent/moss (install moss, or pass --moss PATH or set ONIX_MOSS)\n');
    const onPath = onix(['--root', fx.root, 'rollback'], { PATH: '/nonexistent' });
    assert.equal(onPath.status, 4);
    const failing = script('moss', 'echo "moss: database is locked" >&2; exit 1');
    const r = onix(['--root', fx.root, '--moss', failing, 'rollback']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'onix: rollback failed: moss: database is locked (nothing changed, active fstx is still 3)\n');
    assert.equal(treeDigest(fx.root), digest);
  });

  it('killed after the swap and before the report, leaves exactly one consistent state', () => {
    const fx = makeRoot();
    const r = onix(['--root', fx.root, '--moss', MOSS, 'rollback'], { ONIX_FAULT: 'after-moss' });
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.stdout, '');
    assertConsistent(fx.root, 2, [1, 2, 3]);
    const doctor = onix(['--root', fx.root, 'doctor']);
    for (const name of ['/usr', '/.moss', '/boot', '/nix', 'no Nix path under /usr', 'no moss file under /nix']) {
      assert.match(doctor.stdout, new RegExp(`^ok {4}${name.replace(/[/.]/g, '\\$&')} `, 'm'));
    }
    const again = onix(['--root', fx.root, '--moss', MOSS, 'rollback']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^fstx: {8}2 -> 1$/m);
    assertConsistent(fx.root, 1, [1, 2, 3]);
  });

  it('a profile generation made by Nix before the rollback is not a change', () => {
    const fx = makeRoot();
    const profiles = join(fx.root, 'nix/var/nix/profiles/per-user/alice');
    mkdirSync(profiles, { recursive: true });
    symlinkSync(
      readdirSync(join(fx.root, 'nix/store'))
        .map((n) => `/nix/store/${n}`)
        .find((p) => p.endsWith('-user-environment'))!,
      join(profiles, 'profile-3-link'),
    );
    const r = onix(['--root', fx.root, '--moss', MOSS, 'rollback']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\/nix: {8}untouched$/m);
  });
});
