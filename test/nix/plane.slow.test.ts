// The Nix plane, built for real (Debian debs -> relocated store -> registered
// database), then used the way the ONIX machine uses it, without a VM: the
// plane's own nix-daemon in a mount namespace, alice installing through it.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { interpreter, isElf, needed, runpath } from '../../onix/image/nix/elf.ts';
import { buildNixPlane, type NixPlane } from '../../onix/image/nix/plane.ts';
import { NsNixMachine } from './ns-machine.ts';

let plane: NixPlane;
let m: NsNixMachine;

before(async () => {
  plane = await buildNixPlane();
  m = await NsNixMachine.start(plane);
});
after(async () => {
  await m?.stop();
});

async function ok(cmd: string, user: 'root' | 'alice' = 'alice') {
  const r = await m.exec(cmd, user);
  assert.equal(r.status, 0, `${user}$ ${cmd}\n${r.stdout}\n${r.stderr}\n-- daemon log --\n${m.daemonLog()}`);
  return r.stdout;
}

test('a second build with the same inputs comes from the cache in seconds', async () => {
  const t = Date.now();
  const again = await buildNixPlane();
  assert.equal(again.cached, true);
  assert.equal(again.planeId, plane.planeId);
  assert.ok(Date.now() - t < 10_000, `cached build took ${Date.now() - t} ms`);
});

test('every ELF in the store runs on the store glibc and looks only in the store (or the GL bridge)', () => {
  const store = join(plane.nixDir, 'store');
  let checked = 0;
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) walk(join(p, e));
      return;
    }
    if (!st.isFile() || !isElf(p)) return;
    if (p.includes(plane.paths.glibc.slice('/nix/store/'.length)) || /-(debian|unpatched|unrelocated|dev)\/|-busybox-[^/]*\//.test(p)) return;
    const interp = interpreter(p);
    if (interp) assert.equal(interp, `${plane.paths.glibc}/lib/ld-linux-x86-64.so.2`, p);
    // every NEEDED is found through the file's own RUNPATH (nothing falls through to the
    // machine's /usr/lib), except libc and the loader, which the executable always loads first
    const dirs = runpath(p);
    for (const dir of dirs) assert.match(dir, /^\/nix\/store\//, `${p}: RUNPATH ${dir}`);
    for (const soname of needed(p)) {
      if (soname === 'libc.so.6' || soname === 'ld-linux-x86-64.so.2') continue;
      const found = dirs.some((d) => existsSync(join(plane.nixDir, d.slice('/nix'.length), soname)));
      assert.ok(found, `${p} needs ${soname}, not in its RUNPATH ${dirs.join(':')}`);
    }
    checked++;
  };
  walk(store);
  assert.ok(checked > 40, `only ${checked} ELF files`);
  const daemon = join(plane.nixDir, 'var/nix/profiles/default');
  assert.ok(readlinkSync(daemon).startsWith('default-'), 'root default profile is a generation link');
  assert.ok(plane.sizeBytes < 150e6, `plane is ${plane.sizeBytes} bytes`);
});

test('alice installs ripgrep from the offline nixpkgs flake through the daemon; it survives a restart', async () => {
  assert.match(await ok('nix store ping 2>&1'), /Store URL: daemon/);
  // the store's loader resolves every library of nix inside the store
  const list = await ok(`${plane.paths.glibc}/lib/ld-linux-x86-64.so.2 --list ${plane.paths.nix}/bin/nix`, 'root');
  for (const line of list.split('\n').filter((l) => l.includes('=>'))) assert.match(line, /=> \/nix\/store\//, line);
  // the daemon the seam starts is root's default profile's, i.e. the store's Nix
  assert.equal((await ok('readlink -f /nix/var/nix/profiles/default/bin/nix-daemon', 'root')).trim(), `${plane.paths.nix}/bin/nix`);
  await ok('nix profile install nixpkgs#ripgrep');
  assert.match(await ok('rg --version'), /^ripgrep 13\.0\.0/);
  assert.match(await ok('readlink -f $(command -v rg)'), /^\/nix\/store\/[a-z0-9]{32}-ripgrep-13\.0\.0\/bin\/rg\n$/);
  assert.match(await ok('ls -ld /nix/var/nix/profiles/per-user/alice/profile'), /profile -> profile-1-link/);
  await m.restart();
  assert.match(await ok('echo needle > f.txt && rg -n needle f.txt'), /^1:needle\n$/);
});

test('alice cannot write the store; nix store verify --all is clean', async () => {
  const r = await m.exec('touch /nix/store/alice-was-here');
  assert.notEqual(r.status, 0);
  await ok('nix store verify --all');
  await ok('nix store verify --all', 'root');
});

test('nix store gc keeps every profile closure and the seeded inputs; rebuilds stay offline', async () => {
  await ok('nix build --no-link nixpkgs#onix-hello'); // garbage once unrooted
  await ok('nix store gc', 'root');
  assert.match(await ok('rg --version'), /^ripgrep/);
  assert.match(await ok('/nix/var/nix/profiles/default/bin/nix --version'), /2\.8\.0/);
  await ok('nix store verify --all', 'root');
  // everything the flake needs survived the GC: build and rebuild without any network
  assert.match(await ok('nix run nixpkgs#onix-hello'), /^Hello from the ONIX Nix sandbox, built into \/nix\/store\/\S+-onix-hello-1\.0$/m);
  await ok('nix build --no-link --rebuild nixpkgs#ripgrep');
});

test('a C program compiles from source with tcc in the sandbox, and the build is reproducible', async () => {
  assert.match(await ok('nix run nixpkgs#hello'), /^Hello, world! \(C, compiled by tcc in the Nix sandbox; \S+ says: No such file or directory\)\n$/);
  const out = (await ok('nix eval --raw nixpkgs#hello.outPath')).trim();
  assert.match(
    await ok(`${plane.paths.glibc}/lib/ld-linux-x86-64.so.2 --list ${out}/bin/hello`, 'root'),
    new RegExp(`libc\\.so\\.6 => ${plane.paths.glibc}/lib/libc\\.so\\.6`),
  );
  await ok('nix build --no-link --rebuild nixpkgs#hello');
});

test('builds run in the sandbox as build users', async () => {
  const expr = `derivation { name = "probe"; system = "x86_64-linux"; builder = "\${builtins.storePath "${plane.paths.busybox}"}/bin/busybox";
    args = [ "sh" "-c" "export PATH=${plane.paths.busybox}/bin; ls / > $out; ls / >&2; id >&2; test ! -e /usr; test ! -e /home" ]; }`;
  const built = JSON.parse(await ok(`nix build --impure --no-link --json --expr '${expr}'`)) as { outputs: { out: string } }[];
  const out = await ok(`cat ${built[0].outputs.out}`);
  assert.doesNotMatch(out, /\busr\b|\bhome\b|\broot\b/);
  assert.match(out, /nix/);
});

test('nix store verify notices a store path whose bytes changed (last: it damages the store)', async () => {
  const victim = `${plane.paths.busybox}/bin/busybox`;
  await ok(`chmod u+w ${victim} && printf x >> ${victim}`, 'root');
  const r = await m.exec('nix store verify --all 2>&1', 'root');
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, new RegExp(`path '${plane.paths.busybox}' was modified`));
});
