// `npm run spec -- --watch` keeps a machine booted between saves; stopping it must not leave
// that machine behind. Ctrl-C (SIGINT) shuts the machine down and removes its working
// directory; kill -9 cannot clean up, so the machine's processes die with it (setpriv
// --pdeathsig) and the next start removes the directory it left (onix/leftovers.ts).
// One test file per target (watch-kill-*.slow.test.ts), so the two run side by side.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ownerOf } from '../../onix/owned-dirs.ts';
import { descendants, waitGone } from '../process-tree.ts';
import { ROOT, tempDir } from './helpers.ts';

const PAGE = ['# One', '', '## Echo', '', '```console', '$ echo hi', 'hi', '```', ''].join('\n');

function startWatch(dir: string, target: string): { child: ChildProcess; output: () => string; summary: Promise<void> } {
  const child = spawn(process.execPath, [join(ROOT, 'generator/bin/spec.js'), '--watch', 'page.md', '--target', target, '--out', join(dir, '.spec')], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const summary = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b;
      if (/errors · watching 1 page/.test(out)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the watch exited early (${code}):\n${out}`)));
  });
  return { child, output: () => out, summary };
}

/** The machine working directories in the temporary folder that name `pid` as their owner. */
async function machineDirsOf(pid: number): Promise<string[]> {
  const dirs = readdirSync(tmpdir())
    .filter((n) => n.startsWith('onix-vm-') || n.startsWith('onix-sandbox-'))
    .map((n) => join(tmpdir(), n));
  const mine: string[] = [];
  for (const d of dirs) if ((await ownerOf(d))?.pid === pid) mine.push(d);
  return mine;
}

/** A page in a new folder, a watch on it that the test kills at the end, past its first summary. */
async function watchingPage(t: TestContext, target: string): Promise<{ dir: string; w: ReturnType<typeof startWatch> }> {
  const dir = tempDir('onix-watch-kill-');
  writeFileSync(join(dir, 'page.md'), PAGE);
  const w = startWatch(dir, target);
  t.after(() => w.child.kill('SIGKILL'));
  await w.summary;
  return { dir, w };
}

export function watchKillSuite(target: 'sandbox' | 'vm'): void {
  describe(`spec --watch on ${target} leaves nothing behind`, { timeout: 600_000 }, () => {
    it('Ctrl-C after 100 saves: one machine ran, it is shut down and its directory removed', async (t) => {
      const { dir, w } = await watchingPage(t, target);
      // Saves through a temporary file and rename, faster than the case runs: older runs are cancelled.
      for (let i = 1; i <= 100; i++) {
        writeFileSync(join(dir, 'page.md.tmp'), PAGE.replace('$ echo hi\nhi', `$ echo hi${i}\nhi${i}`));
        renameSync(join(dir, 'page.md.tmp'), join(dir, 'page.md'));
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let tries = 0; tries < 300 && !/✓ page\.md:3 {2}Echo[^\n]*\n[^\n]*· watching 1 page[^\n]*\n$/.test(w.output()); tries++)
        await new Promise((r) => setTimeout(r, 100));
      const report = JSON.parse(readFileSync(join(dir, '.spec/report.json'), 'utf8'));
      assert.equal(report.cases[0].blocks[0].commands[0].command, 'echo hi100');
      const tree = descendants(w.child.pid!);
      const dirs = await machineDirsOf(w.child.pid!);
      assert.ok(tree.length > 0 && dirs.length === 1, `a machine runs under the watch: ${tree.map((p) => p.cmd).join(', ')}`);
      const exited = new Promise<number | null>((r) => w.child.once('exit', (code) => r(code)));
      w.child.kill('SIGINT');
      await exited;
      assert.deepEqual(
        (await waitGone(tree)).map((p) => p.cmd),
        [],
      );
      assert.equal(existsSync(dirs[0]!), false, `${dirs[0]} was removed`);
    });

    it('kill -9: its processes die with it, and the next start removes its directory', async (t) => {
      const { dir, w } = await watchingPage(t, target);
      const tree = descendants(w.child.pid!);
      const dirs = await machineDirsOf(w.child.pid!);
      assert.equal(dirs.length, 1);
      w.child.kill('SIGKILL');
      assert.deepEqual(
        (await waitGone(tree)).map((p) => p.cmd),
        [],
      );
      assert.ok(existsSync(dirs[0]!), 'a SIGKILLed run cannot remove its own directory');
      const next = startWatch(dir, target);
      t.after(() => next.child.kill('SIGKILL'));
      await next.summary;
      assert.match(next.output(), /removed \d+ working director(y|ies) left by killed runs/);
      assert.equal(existsSync(dirs[0]!), false, `${dirs[0]} was swept by the next start`);
      const exited = new Promise<void>((r) => next.child.once('exit', () => r()));
      next.child.stdin!.write('q');
      await exited;
    });
  });
}
