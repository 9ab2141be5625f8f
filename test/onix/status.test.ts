// onix status on real fixture roots: the five lines, --verbose, --json, the
// boot entry found by moss.fstx= (not by name), the daemon checked against a
// real nix-daemon, and a stale or broken graphics bridge.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, lines, makeRoot, onix, startDaemon, tempDir } from './helpers.ts';

describe('onix status', () => {
  after(cleanup);

  it('prints the five lines of the seed shape, daemon healthy against a real nix-daemon', async () => {
    const fx = makeRoot();
    const daemon = await startDaemon(fx.root);
    try {
      const r = onix(['--root', fx.root, 'status']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [
        'active fstx: 3',
        'boot entry:  onix-6.1.0-28-amd64-3.conf',
        'nix daemon:  healthy',
        'etc drift:   2 local overrides',
        'opengl:      coherent, Mesa 25.0.7',
      ]);
    } finally {
      await daemon.stop();
    }
    const down = onix(['--root', fx.root, 'status']);
    assert.equal(down.status, 0);
    assert.match(lines(down.stdout)[2], /^nix daemon: {2}down \(\/nix\/var\/nix\/daemon-socket\/socket: (connection refused|no socket)\)$/);
  });

  it('--verbose names each drifted /etc file; identical copies and absent files are not drift', () => {
    const fx = makeRoot({ overrides: { '/etc/hosts': '127.0.0.1 forge\n' } });
    const r = onix(['--root', fx.root, 'status', '--verbose']);
    const out = lines(r.stdout);
    const at = out.indexOf('etc drift:   1 local override');
    assert.ok(at >= 0, r.stdout);
    assert.equal(out[at + 1], '  /etc/hosts');
    assert.match(out[at + 2], /^opengl:/);
    rmSync(join(fx.root, 'etc/hosts'));
    assert.match(onix(['--root', fx.root, 'status']).stdout, /^etc drift: {3}none$/m);
  });

  it('finds the boot entry by its moss.fstx= option, whatever the file is called', () => {
    const fx = makeRoot({ entryName: (id) => `zz-custom-${id * 7}.conf` });
    assert.match(onix(['--root', fx.root, 'status']).stdout, /^boot entry: {2}zz-custom-21\.conf$/m);
    const none = makeRoot({ entries: [1, 2] });
    assert.match(onix(['--root', none.root, 'status']).stdout, /^boot entry: {2}none \(no entry has moss\.fstx=3\)$/m);
  });

  it('reports a bridge built for another state as stale, and dangling links as broken', () => {
    const stale = makeRoot({ active: 2, bridgeFor: 3 });
    const s = onix(['--root', stale.root, 'status']);
    assert.match(s.stdout, /^active fstx: 2$/m);
    assert.match(s.stdout, /^opengl: {6}stale, Mesa 25\.0\.7 from fstx 3 \(active is 2; a reboot rebuilds it\)$/m);
    const broken = makeRoot();
    writeFileSync(join(broken.root, 'run/opengl-driver/.stateID'), '3');
    rmSync(join(broken.root, 'usr/lib/x86_64-linux-gnu/dri/swrast_dri.so'));
    const b = onix(['--root', broken.root, 'status', '--verbose']);
    assert.match(b.stdout, /^opengl: {6}broken, 1 of 9 links do not resolve into the active \/usr$/m);
    assert.match(b.stdout, /^ {2}\/run\/opengl-driver\/lib\/dri\/swrast_dri\.so -> \/usr\/lib\/x86_64-linux-gnu\/dri\/swrast_dri\.so$/m);
    const missing = makeRoot({ bridgeFor: null });
    assert.match(onix(['--root', missing.root, 'status']).stdout, /^opengl: {6}missing \(\/run\/opengl-driver does not exist\)$/m);
  });

  it('--json carries the same facts', () => {
    const fx = makeRoot({ active: 2, bridgeFor: 2 });
    const r = onix(['--root', fx.root, '--json', 'status']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.activeFstx, 2);
    assert.equal(j.bootEntry, 'onix-6.1.0-28-amd64-2.conf');
    assert.equal(j.nixDaemon.healthy, false);
    assert.deepEqual(j.etcDrift, fx.overrides);
    assert.equal(j.opengl.state, 'coherent');
    assert.equal(j.opengl.mesa, '22.3.6');
    assert.deepEqual(
      j.states.map((s: { id: number; active: boolean; archived: boolean }) => [s.id, s.active, s.archived]),
      [
        [1, false, true],
        [2, true, false],
        [3, false, true],
      ],
    );
  });

  // Node's child-process machinery (child_process, net's dgram and more) costs every start; status
  // runs no program, so it must not load it (moss-run.ts and toolbox.ts keep it away).
  it('loads no child-process machinery and makes no process.stdout stream', () => {
    const fx = makeRoot();
    const dir = tempDir('onix-modules-');
    const preload = join(dir, 'modules.cjs');
    const list = join(dir, 'modules.txt');
    // Records the modules Node loaded, and whether anything made process.stdout.
    writeFileSync(
      preload,
      `const d = Object.getOwnPropertyDescriptor(process, 'stdout');
let made = false;
Object.defineProperty(process, 'stdout', { ...d, get() { made = true; return d.get.call(process); } });
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, [...process.moduleLoadList, made ? 'process.stdout' : ''].join('\\n')));
`,
    );
    onix(['--version']); // a first run may rebuild the bundle (esbuild runs a child process)
    const r = onix(['--root', fx.root, 'status'], { NODE_OPTIONS: `--require ${preload}` });
    assert.equal(r.status, 0, r.stderr);
    const loaded = readFileSync(list, 'utf8').split('\n');
    assert.ok(loaded.includes('NativeModule net'), 'the list is read (status connects to the daemon socket)');
    for (const m of ['NativeModule child_process', 'Internal Binding spawn_sync', 'process.stdout']) assert.ok(!loaded.includes(m), `${m} was loaded`);
  });
});
