// onix doctor: every check passes on a sound root with a real nix-daemon;
// each broken invariant fails by name with what to do, and exits 1.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, lines, makeRoot, onix, startDaemon, treeDigest, skipRuntime } from './helpers.ts';
import type { Fixture } from './fixture/build.ts';

function failures(stdout: string): string[] {
  return lines(stdout)
    .filter((l) => l.startsWith('FAIL'))
    .map((l) => l.slice(6).split(/ {2,}/)[0]);
}

describe('onix doctor', () => {
  let fx: Fixture;
  let daemon: { stop: () => Promise<void> };
  before(async () => {
    fx = makeRoot();
    daemon = await startDaemon(fx.root);
  });
  after(async () => {
    await daemon.stop();
    cleanup();
  });

  it('passes every check on a sound root, and changes nothing', () => {
    const digest = treeDigest(fx.root, skipRuntime);
    const r = onix(['--root', fx.root, 'doctor']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(failures(r.stdout), []);
    const names = lines(r.stdout)
      .filter((l) => l.startsWith('ok'))
      .map((l) => l.slice(6).split(/ {2,}/)[0]);
    for (const s of [
      '/usr',
      '/.moss',
      '/boot',
      '/usr/lib/modules',
      '/etc/nix',
      '/nix',
      '/run/opengl-driver',
      'nixbld',
      'profile hook',
      'runtime dirs',
      'nix daemon',
      'nix store ping',
      'no Nix path under /usr',
      'no moss file under /nix',
      'musl base',
    ]) {
      assert.ok(names.includes(s), `check ${s} missing from:\n${r.stdout}`);
    }
    assert.equal(lines(r.stdout).at(-1), `${names.length} checks, all passed`);
    assert.equal(treeDigest(fx.root, skipRuntime), digest);
  });

  it('names each broken invariant with a fix and exits 1', () => {
    const bad = makeRoot({ active: 2, bridgeFor: 3 });
    const group = join(bad.root, 'etc/group');
    writeFileSync(group, readFileSync(group, 'utf8').replace('nixbld:x:6649:', 'nixbld:x:30000:'));
    writeFileSync(join(bad.root, 'etc/nix/nix.conf'), readFileSync(join(bad.root, 'etc/nix/nix.conf'), 'utf8').replace('sandbox = true', 'sandbox = false'));
    // A moss asset hard-linked into the Nix store, and a /usr link into /nix.
    const store = join(bad.root, 'nix/store');
    const jq = readdirSync(store).find((n) => n.endsWith('-jq-1.7.1'))!;
    linkSync(join(bad.root, 'usr/lib/os-release'), join(store, jq, 'os-release'));
    symlinkSync(`/nix/store/${jq}/bin/jq`, join(bad.root, 'usr/bin/jq'));
    const r = onix(['--root', bad.root, 'doctor']);
    assert.equal(r.status, 1);
    assert.deepEqual(
      failures(r.stdout).sort(),
      ['/etc/nix', '/run/opengl-driver', 'nix daemon', 'nix store ping', 'nixbld', 'no Nix path under /usr', 'no moss file under /nix'].sort(),
    );
    const out = lines(r.stdout);
    for (const [i, l] of out.entries()) if (l.startsWith('FAIL')) assert.match(out[i + 1], /^ +fix: \S/, `no fix after: ${l}`);
    assert.match(r.stdout, /sandbox is "false", the seam declares "true"/);
    assert.match(r.stdout, /group nixbld has GID 30000, not 6649/);
    assert.match(r.stdout, /stale, Mesa 25\.0\.7 from fstx 3/);
    assert.match(r.stdout, /\/usr\/bin\/jq/);
    assert.match(r.stdout, new RegExp(`/nix/store/${jq}/os-release`));
    assert.match(out.at(-1)!, /^7 of \d+ checks failed$/);
  });

  it('--json lists the checks', () => {
    const r = onix(['--root', fx.root, 'doctor', '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.failed, 0);
    assert.ok(j.checks.every((c: { ok: boolean; detail: string }) => c.ok && c.detail.length > 0));
  });
});
