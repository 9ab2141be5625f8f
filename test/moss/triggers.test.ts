// Triggers against upstream (AerynOS/os-tools at ffff7d4b): which commands a tree produces,
// in which order (crates/triggers, crates/fnmatch, crates/dag), and where each scope runs
// (moss/src/client/postblit.rs, moss/src/client/mod.rs, crates/container). Expected values
// come from reading upstream; each test cites the lines it encodes.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { activateState, installStones } from '../../onix/moss/index.ts';
import { compilePattern, compileTriggers, petgraphTopo, type TriggerFile } from '../../onix/moss/trigger-order.ts';
import { baseStones, scratchRoot } from './fixture.ts';

const run = (name: string, run: string, args: string[] = []) => ({ trigger: name, run, args });

test('fnmatch: * stays within a path part, ** crosses parts, ? is any one character, (name:*) captures (crates/fnmatch/src/lib.rs:163-244)', () => {
  const re = compilePattern('/usr/lib/modules/(version:*)/*');
  assert.equal(re.exec('/usr/lib/modules/6.1.0-test/kernel')?.groups?.version, '6.1.0-test');
  assert.equal(re.exec('/usr/lib/modules/6.1.0-test/kernel/drivers'), null);
  assert.ok(compilePattern('/usr/share/**').test('/usr/share/a/b/c'));
  assert.ok(compilePattern('/usr/lib/lib?.so').test('/usr/lib/libX.so'));
  assert.ok(!compilePattern('/usr/lib/*.so').test('/usr/lib/aso'), 'a dot is literal');
  assert.throws(() => compilePattern('/usr/(version*)'), /malformed group/);
});

test("a trigger's path type is parsed but never filters matches (crates/triggers/src/lib.rs:64-69 match on the pattern only)", () => {
  const t: TriggerFile = {
    name: 'depmod',
    handlers: { depmod: { run: '/usr/sbin/depmod', args: ['-a', '$(version)'] } },
    paths: { '/usr/lib/modules/(version:*)/*': { handlers: ['depmod'], type: 'directory' } },
  };
  // modules.order is a file, kernel a directory: both hit; identical commands collapse.
  assert.deepEqual(compileTriggers([t], ['/usr/lib/modules/6.1/modules.order', '/usr/lib/modules/6.1/kernel']), [
    run('depmod', '/usr/sbin/depmod', ['-a', '6.1']),
  ]);
});

test('unrelated triggers run in reverse name order, commands within one in BTreeSet order (triggers/src/lib.rs:81-125; dag/src/lib.rs:100-104; petgraph Topo pops a stack)', () => {
  const t = (name: string, cmds: string[]): TriggerFile => ({
    name,
    handlers: Object.fromEntries(cmds.map((c) => [c, { run: `/usr/bin/${c}`, args: ['$(x)'] }])),
    paths: { '/usr/(x:*)': { handlers: cmds } },
  });
  const out = compileTriggers([t('alpha', ['a']), t('beta', ['b']), t('gamma', ['g'])], ['/usr/two', '/usr/one']);
  assert.deepEqual(out, [
    run('gamma', '/usr/bin/g', ['one']),
    run('gamma', '/usr/bin/g', ['two']),
    run('beta', '/usr/bin/b', ['one']),
    run('beta', '/usr/bin/b', ['two']),
    run('alpha', '/usr/bin/a', ['one']),
    run('alpha', '/usr/bin/a', ['two']),
  ]);
});

test('before/after order triggers; a missing handler is an error (triggers/src/lib.rs:29-46, 98-116)', () => {
  const t = (name: string, extra: Partial<TriggerFile> = {}): TriggerFile => ({
    name,
    handlers: { h: { run: `/usr/bin/${name}`, args: [] } },
    paths: { '/usr/x': { handlers: ['h'] } },
    ...extra,
  });
  assert.deepEqual(
    compileTriggers([t('a', { after: 'c' }), t('b'), t('c', { before: 'b' })], ['/usr/x']).map((c) => c.trigger),
    // c has no incoming edge; its successors are pushed newest edge first (b, then a) and popped a, b.
    ['c', 'a', 'b'],
  );
  assert.deepEqual(
    compileTriggers([t('a', { before: 'z' }), t('z')], ['/usr/x']).map((c) => c.trigger),
    ['a', 'z'],
  );
  assert.throws(() => compileTriggers([{ name: 'x', handlers: {}, paths: { '/usr/x': { handlers: ['nope'] } } }], []), /missing handler reference in x: nope/);
});

test('petgraph Topo: initials pushed in index order and popped from the end; a successor once all its predecessors are out', () => {
  assert.deepEqual(petgraphTopo(3, []), [2, 1, 0]);
  assert.deepEqual(petgraphTopo(3, [[2, 0]]), [2, 0, 1]);
});

/** A stone holding the host's static busybox and a transaction trigger that records what it sees. */
function probeStone(s: ReturnType<typeof scratchRoot>) {
  const dir = mkdtempSync(join(tmpdir(), 'moss-probe-'));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync('/usr/bin/busybox', join(dir, 'bin/busybox'));
  const script = [
    'echo pid=$$',
    'echo state=$(cat /usr/.stateID)',
    'touch /etc/probe 2>/dev/null && echo etc=rw || echo etc=ro',
    'echo net=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")',
    'echo root=$(ls / | tr "\\n" " ")',
  ].join('; ');
  put(
    'share/moss/triggers/tx.d/probe.yaml',
    `name: probe\ndescription: records its container\nhandlers:\n  probe:\n    run: /usr/bin/busybox\n    args: ["sh", "-c", ${JSON.stringify(`(${script}) > /usr/share/probe.txt`)}]\npaths:\n  "/usr/bin/busybox":\n    handlers: [probe]\n`,
  );
  try {
    return s.repo.addFromTree({ name: 'probe', version: '1', release: 1, summary: 'probe' }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('transaction triggers run before the swap on the staged /usr, in a container: PID namespace, no network, /etc read-only (postblit.rs:166-176; client/mod.rs:520-533; container/src/lib.rs:132-143, 259-294)', () => {
  if (process.getuid?.() !== 0) return;
  const s = scratchRoot();
  try {
    mkdirSync(join(s.root, 'etc'), { recursive: true });
    const { base } = baseStones(s.repo);
    const probe = probeStone(s);
    const first = installStones(s.root, s.repo, [base]);
    const second = installStones(s.root, s.repo, [base, probe]);
    const seen = Object.fromEntries(
      readFileSync(join(s.root, 'usr/share/probe.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=')),
    );
    assert.equal(seen.pid, '2', 'a child of the container PID 1');
    assert.equal(seen.state, String(second), 'the staged tree, stamped with the new id');
    assert.equal(seen.etc, 'ro');
    assert.equal(seen.net.trim(), 'lo');
    assert.deepEqual(seen.root.trim().split(' ').sort(), ['bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'proc', 'sbin', 'sys', 'tmp', 'usr']);
    assert.ok(!existsSync(join(s.root, 'etc/probe')));
    assert.ok(!existsSync(join(s.root, '.moss/root', String(first), 'usr/share/probe.txt')), 'the archived state was not touched');
    // activate_state runs system triggers only (client/mod.rs:374-378): no transaction trigger reruns.
    rmSync(join(s.root, 'usr/share/probe.txt'));
    activateState(s.root, first, { skipBoot: true });
    activateState(s.root, second, { skipBoot: true });
    assert.ok(!existsSync(join(s.root, 'usr/share/probe.txt')));
  } finally {
    s.dispose();
  }
});

test('a delete handler that matches is refused, not skipped: upstream has Handler::Delete { .. } => todo!() (moss/src/client/postblit.rs:225)', () => {
  const del: TriggerFile = { name: 'd', handlers: { h: { delete: ['/usr/x'] } }, paths: { '/usr/x': { handlers: ['h'] } } };
  assert.throws(() => compileTriggers([del], ['/usr/x']), /trigger d: delete handlers are not implemented upstream/);
  assert.deepEqual(compileTriggers([del], ['/usr/other']), [], 'a delete handler nothing matches costs nothing');
});
