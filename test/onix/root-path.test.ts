// Machine paths resolved inside a root, as the kernel would on the machine:
// absolute link targets stay inside the root, `..` climbs in machine terms,
// missing components are kept lexically, loops stop, and a RootResolver that
// remembers components gives the same answers as a fresh one per path.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot, RootResolver } from '../../onix/planes/root-path.ts';

const root = mkdtempSync(join(tmpdir(), 'onix-root-path-'));
mkdirSync(join(root, 'usr/lib/dri'), { recursive: true });
writeFileSync(join(root, 'usr/lib/dri/iris_dri.so'), 'dri');
writeFileSync(join(root, 'usr/lib/file'), 'x');
mkdirSync(join(root, 'run/opengl-driver/lib'), { recursive: true });
symlinkSync('/usr/lib/dri', join(root, 'run/opengl-driver/lib/dri')); // absolute: inside the root
symlinkSync('../../../usr/lib/file', join(root, 'run/opengl-driver/lib/rel'));
symlinkSync('/etc/passwd', join(root, 'run/opengl-driver/lib/host')); // exists on the host, not in the root
symlinkSync('loop-b', join(root, 'run/loop-a'));
symlinkSync('loop-a', join(root, 'run/loop-b'));
symlinkSync('/run/opengl-driver/lib/dri', join(root, 'run/chain'));

const cases: Array<[string, string, boolean]> = [
  ['/run/opengl-driver/lib/dri/iris_dri.so', '/usr/lib/dri/iris_dri.so', true],
  ['/run/opengl-driver/lib/rel', '/usr/lib/file', true],
  ['/run/opengl-driver/lib/host', '/etc/passwd', false],
  ['/run/chain/../dri/iris_dri.so', '/usr/lib/dri/iris_dri.so', true],
  ['/run/missing/x/../y', '/run/missing/y', false],
  ['/usr/lib/file/below', '/usr/lib/file/below', false], // ENOTDIR: unreachable, not an error
  ['/../../usr//./lib', '/usr/lib', true],
  ['/', '/', true],
];

describe('paths inside a root', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('resolves links inside the root, never on the host', () => {
    for (const [path, expected, exists] of cases) {
      const r = resolveInRoot(root, path);
      assert.deepEqual([r.path, r.exists], [expected, exists], path);
    }
    assert.deepEqual(resolveInRoot(root, '/run/chain/iris_dri.so').via, [
      '/run/chain -> /run/opengl-driver/lib/dri',
      '/run/opengl-driver/lib/dri -> /usr/lib/dri',
    ]);
  });

  it('stops a link loop after 40 links', () => {
    const r = resolveInRoot(root, '/run/loop-a/x');
    assert.equal(r.exists, false);
    assert.equal(r.via.length, 40);
  });

  it('gives the same answers when one resolver serves every path', () => {
    const shared = new RootResolver(root);
    for (const [path] of [...cases, ...cases]) assert.deepEqual(shared.resolve(path), resolveInRoot(root, path), path);
  });
});
