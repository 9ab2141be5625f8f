import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildOpenglDriverFarm } from '../../onix/image/nix/opengl-driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'onix-farm-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function touch(p: string) {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '');
}

test('farm links Mesa libs, drivers and vendor files, never glibc, first root wins', () => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const L = 'usr/lib/x86_64-linux-gnu';
  touch(join(a, L, 'libEGL_mesa.so.0.0.0'));
  symlinkSync('libEGL_mesa.so.0.0.0', join(a, L, 'libEGL_mesa.so.0'));
  touch(join(a, L, 'dri/swrast_dri.so'));
  touch(join(a, L, 'libc.so.6'));
  touch(join(a, 'lib/x86_64-linux-gnu/libm.so.6'));
  touch(join(a, 'usr/share/glvnd/egl_vendor.d/50_mesa.json'));
  touch(join(a, 'usr/share/vulkan/icd.d/lvp_icd.x86_64.json'));
  symlinkSync('/nowhere/libfoo.so.1', join(a, L, 'libfoo.so'));
  touch(join(b, L, 'libEGL_mesa.so.0'));
  touch(join(b, 'usr/lib/libz.so.1'));
  const farm = join(dir, 'farm');
  const r = buildOpenglDriverFarm([a, b], farm);
  assert.deepEqual(readdirSync(join(farm, 'lib')).sort(), ['dri', 'libEGL_mesa.so.0', 'libEGL_mesa.so.0.0.0', 'libz.so.1']);
  assert.equal(readlinkSync(join(farm, 'lib/libEGL_mesa.so.0')), join(a, L, 'libEGL_mesa.so.0'));
  assert.equal(readlinkSync(join(farm, 'lib/dri/swrast_dri.so')), join(a, L, 'dri/swrast_dri.so'));
  assert.ok(existsSync(join(farm, 'share/glvnd/egl_vendor.d/50_mesa.json')));
  assert.ok(existsSync(join(farm, 'share/vulkan/icd.d/lvp_icd.x86_64.json')));
  assert.deepEqual(r, { libs: 3, drivers: 1, vendorFiles: 2 });
  // rebuilt from scratch: a second run with other roots leaves nothing of the first
  buildOpenglDriverFarm([b], farm, { linkPrefix: (p) => p.replace(b, '/usr-b') });
  assert.deepEqual(readdirSync(join(farm, 'lib')).sort(), ['dri', 'libEGL_mesa.so.0', 'libz.so.1']);
  assert.equal(readlinkSync(join(farm, 'lib/libz.so.1')), '/usr-b/usr/lib/libz.so.1');
});
