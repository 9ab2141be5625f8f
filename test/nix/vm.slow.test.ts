// The Nix plane in the real ONIX test image, booted in QEMU (issue 7, "Show it"):
// alice installs ripgrep offline through the daemon, it survives a reboot and a
// machine rollback; glprobe names Mesa 25.0.7 on state N and 22.3.6 after
// `moss state activate <N-1>` + reboot; verify and gc keep the store whole.
// The two PNGs are kept under test-artifacts/nix/.
import { testImage } from '../../onix/image/provider.ts';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../../onix/repo-root.ts';
import type { Machine, Session } from '../../onix/machine/machine.ts';
import { createMachine } from '../../onix/machine/targets.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts/nix');
const LONG = 900_000; // TCG: flake evaluation and sandbox builds are slow
const TRANSCRIPT = join(ARTIFACTS, 'vm-transcript.txt');
let m: Machine;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(TRANSCRIPT, `# test/nix/vm.slow.test.ts, ${new Date().toISOString()}\n`);
  m = createMachine('vm', { vm: { image: testImage, memoryMiB: 1536 } });
  await m.boot();
});
after(async () => {
  await m?.shutdown();
});

async function as(user: 'root' | 'alice', cmd: string, timeoutMs = LONG): Promise<string> {
  const s: Session = await m.session({ user });
  try {
    const r = await s.run(cmd, { timeoutMs });
    appendFileSync(
      TRANSCRIPT,
      `${user === 'root' ? '#' : '$'} ${cmd}    [${user}, ${(r.durationMs / 1000).toFixed(1)} s, exit ${r.status}]\n${r.stdout}${r.stderr}`,
    );
    assert.equal(r.status, 0, `${user}$ ${cmd}\n${r.stdout}\n${r.stderr}\n-- console --\n${m.consoleLog().slice(-2000)}`);
    return r.stdout;
  } finally {
    await s.close();
  }
}

test('as alice: nix profile install nixpkgs#ripgrep offline, rg survives a reboot', async () => {
  assert.match(await as('root', 'nix store ping 2>&1'), /Store URL: daemon|Store URL: local/);
  await as('alice', 'nix profile install nixpkgs#ripgrep');
  assert.match(await as('alice', 'rg --version'), /^ripgrep 13\.0\.0/);
  appendFileSync(TRANSCRIPT, '--- reboot ---\n');
  await m.reboot();
  assert.match(await as('alice', 'rg --version'), /^ripgrep 13\.0\.0/);
  await as('alice', 'nix store verify --all');
});

test('glprobe names Mesa 25.0.7 on state N and Mesa 22.3.6 after moss rolls the machine back', async () => {
  const n = Number((await as('root', 'cat /usr/.stateID')).trim());
  await as('alice', 'nix profile install nixpkgs#glprobe');
  const now = await as('alice', 'glprobe -o /tmp/glprobe-new.png');
  assert.match(now, /^GL_VERSION: OpenGL ES 3\.2 Mesa 25\.0\.7/m);
  await m.copyOut('/tmp/glprobe-new.png', join(ARTIFACTS, 'vm-glprobe-mesa-25.0.7.png'));

  await as('root', 'moss state list');
  await as('root', `moss -y state activate ${n - 1}`);
  appendFileSync(TRANSCRIPT, '--- reboot ---\n');
  await m.reboot();
  assert.equal((await as('root', 'cat /usr/.stateID')).trim(), String(n - 1));
  const old = await as('alice', 'glprobe -o /tmp/glprobe-old.png');
  assert.match(old, /^GL_VERSION: OpenGL ES 3\.2 Mesa 22\.3\.6/m);
  await m.copyOut('/tmp/glprobe-old.png', join(ARTIFACTS, 'vm-glprobe-mesa-22.3.6.png'));
  // the Nix side did not roll back: same ripgrep, same daemon
  assert.match(await as('alice', 'rg --version'), /^ripgrep 13\.0\.0/);
  const fnv = (s: string) => /pixels fnv1a (0x[0-9a-f]{8})/.exec(s)?.[1];
  assert.equal(fnv(now), fnv(old), 'llvmpipe renders the scene identically on both Mesa versions');
  assert.ok(readFileSync(join(ARTIFACTS, 'vm-glprobe-mesa-25.0.7.png')).equals(readFileSync(join(ARTIFACTS, 'vm-glprobe-mesa-22.3.6.png'))));
});

test('nix store gc keeps every profile closure; verify stays clean', async () => {
  await as('alice', 'nix profile list');
  // a C program compiled by tcc in the VM's sandbox, left unrooted: garbage for the GC
  const hello = (await as('alice', 'nix build --no-link --json nixpkgs#hello && nix eval --raw nixpkgs#hello.outPath')).trim().split('\n').pop()!;
  assert.match(await as('alice', `${hello}/bin/hello`), /^Hello, world! \(C, compiled by tcc in the Nix sandbox/);
  assert.match(await as('root', 'nix store gc 2>&1'), /[1-9]\d* store paths deleted/);
  assert.equal((await as('alice', `test -e ${hello} && echo kept || echo gone`)).trim(), 'gone');
  assert.match(await as('alice', 'rg --version'), /^ripgrep/);
  assert.match(await as('alice', 'glprobe --help'), /usage: glprobe/);
  await as('root', 'nix store verify --all');
});
