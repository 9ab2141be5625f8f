// Owned working directories and the sweep: a directory whose owner process is gone is
// removed (and its size counted), one whose owner lives is kept, a reused pid or another
// boot is not mistaken for the owner, a zombie owner (exited, not yet reaped) is gone, and a directory that names no owner is never touched.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../generator/site/build/build.ts';
import { describeSweep, isAlive, makeOwnedDir, OWNER_FILE, ownerOf, sweepMachineDirs, sweepOrphans, thisProcess } from '../onix/owned-dirs.ts';

const ownedDirs = new URL('../onix/owned-dirs.ts', import.meta.url).href;

/** A directory made and claimed by another process that then exits without cleaning up. */
function orphanOf(parent: string, prefix: string, bytes = 0): string {
  const script = `import { makeOwnedDir } from ${JSON.stringify(ownedDirs)}; import { writeFileSync } from 'node:fs';
const d = makeOwnedDir(${JSON.stringify(prefix)}, ${JSON.stringify(parent)}); writeFileSync(d + '/payload', Buffer.alloc(${bytes}, 1)); process.stdout.write(d);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("a directory whose owner exited is removed with its size counted; a live owner's is kept", async () => {
  const parent = mkdtempSync(join(tmpdir(), 'owned-test-'));
  const orphan = orphanOf(parent, 'onix-vm-', 3 * 2 ** 20);
  const owner = (await ownerOf(orphan))!;
  assert.ok(owner.pid > 0 && owner.startTicks > 0 && owner.bootId.length > 0, JSON.stringify(owner));
  assert.equal(isAlive(owner), false);
  const mine = makeOwnedDir('onix-vm-', parent);
  assert.equal(isAlive((await ownerOf(mine))!), true);
  const unowned = mkdtempSync(join(parent, 'onix-vm-'));
  const other = orphanOf(parent, 'something-else-');

  const result = await sweepMachineDirs(parent);
  assert.deepEqual(result.removed, [orphan]);
  assert.ok(result.bytes >= 3 * 2 ** 20, `counted ${result.bytes} bytes`);
  assert.match(describeSweep(result)!, /^removed 1 working directory left by killed runs, freeing 3\.\d MiB$/);
  assert.equal(existsSync(orphan), false);
  for (const kept of [mine, unowned, other]) assert.ok(existsSync(kept), `${kept} is kept`);
  assert.equal(describeSweep(await sweepMachineDirs(parent)), null, 'nothing left to free');
});

test('an orphan that cannot be removed is named with the reason, beside what was removed', () => {
  assert.equal(
    describeSweep({ removed: ['/tmp/onix-vm-a'], bytes: 2 ** 20, kept: ['/tmp/onix-sandbox-b (EBUSY)'] }),
    'removed 1 working directory left by killed runs, freeing 1.0 MiB; could not remove /tmp/onix-sandbox-b (EBUSY), left by killed runs; the next run tries again',
  );
  assert.equal(
    describeSweep({ removed: [], bytes: 0, kept: ['/tmp/onix-vm-c (EACCES)'] }),
    'could not remove /tmp/onix-vm-c (EACCES), left by killed runs; the next run tries again',
  );
});

test('a reused pid or another boot is not the owner', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'owned-test-'));
  const me = thisProcess();
  const reused = join(parent, 'onix-sandbox-reused');
  const rebooted = join(parent, 'onix-sandbox-rebooted');
  const alive = join(parent, 'onix-sandbox-alive');
  for (const [dir, owner] of [
    [reused, { ...me, startTicks: me.startTicks - 1 }],
    [rebooted, { ...me, bootId: 'another-boot' }],
    [alive, me],
  ] as const) {
    mkdirSync(dir);
    writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
  }
  const result = await sweepOrphans(parent, (n) => n.startsWith('onix-sandbox-'));
  assert.deepEqual(result.removed.sort(), [rebooted, reused]);
  assert.ok(existsSync(alive));
});

test('an owner that exited but was not yet reaped (a zombie) is gone: its directory is removed', async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'owned-test-'));
  // The shell starts a short child, then becomes a sleep that never waits for it.
  const shell = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => shell.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((resolve) => shell.stdout.once('data', (b: Buffer) => resolve(String(b)))));
  const stat = () => {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  const owner = { pid, startTicks: Number(stat()[19]), bootId: thisProcess().bootId };
  assert.equal(isAlive(owner), true, 'running, it is alive');
  const dir = join(parent, 'onix-sandbox-zombie');
  mkdirSync(dir);
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
  const deadline = Date.now() + 10_000;
  while (stat()[0] !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(stat()[0], 'Z', 'the child is a zombie');
  assert.equal(isAlive(owner), false);
  assert.deepEqual((await sweepMachineDirs(parent)).removed, [dir]);
});

test('the site build removes the staging folder of a killed build, and publishes no owner file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-site-'));
  mkdirSync(join(dir, 'content'));
  writeFileSync(join(dir, 'content/index.md'), '---\ntitle: Home\n---\n\ntext\n');
  const killed = orphanOf(dir, 'dist.');
  const staging = `${killed}.new`;
  spawnSync('mv', [killed, staging]);
  assert.ok(existsSync(join(staging, OWNER_FILE)));
  await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'dist'), cacheDir: null, gitDates: false });
  assert.equal(existsSync(staging), false, "the killed build's staging folder is gone");
  assert.equal(existsSync(join(dir, 'dist', OWNER_FILE)), false);
  assert.match(readFileSync(join(dir, 'dist/index.html'), 'utf8'), /<h1>Home<\/h1>/);
});
