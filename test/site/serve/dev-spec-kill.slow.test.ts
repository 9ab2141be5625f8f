// `npm run dev -- --spec` keeps a machine booted; Ctrl-C must shut it down, and after kill -9
// its processes die with the server and the next start removes the directory it left.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ownerOf } from '../../../onix/owned-dirs.ts';
import { descendants, waitGone } from '../../process-tree.ts';
import { page, tempSite } from '../helpers.ts';

const ROOT = join(import.meta.dirname, '../../..');
// The servers' own temporary folder: every run sweeps the orphans in its temporary folder, so in
// a shared one a test running beside this one (a spec run, another dev server) could remove the
// killed server's directory before the next start here does, which then has nothing to say.
const TMP = mkdtempSync(join(tmpdir(), 'dev-spec-kill-'));

const CASE = (word: string) => `## Echo\n\n\`\`\`console\n$ echo ${word}\n${word}\n\`\`\`\n`;

/** The dev server with --spec on the sandbox, after one save has run a case (so a machine is up). */
async function startDev(content: string): Promise<{ child: ChildProcess; output: () => string }> {
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'generator/cli/dev.ts'),
    '--spec',
    '--content',
    content,
    '--report-dir',
    join(content, '../.spec'),
    '--port',
    '0',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: TMP },
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (b: Buffer) => {
    out += b;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const seen = (re: RegExp, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not seen in ${ms} ms: ${re}\n${out}`)), ms);
      const check = () => {
        if (re.test(out)) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      child.once('exit', (code) => reject(new Error(`the dev server exited early (${code}):\n${out}`)));
      check();
    });
  await seen(/pages ready/, 60_000);
  // The server's file watcher is ready a moment after it listens.
  await new Promise((r) => setTimeout(r, 1000));
  await writeFile(join(content, 'index.md'), page('Home', CASE(`w${Date.now()}`), 'order: 0\n'));
  await seen(/✓ .*Echo/, 120_000);
  return { child, output: () => out };
}

/** What a machine directory still holds (two levels), for a failure message. */
function leftIn(dir: string): string {
  if (!existsSync(dir)) return '(nothing)';
  return readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? `${e.name}/[${readdirSync(join(dir, e.name)).join(' ')}]` : e.name))
    .join(' ');
}

async function machineDirsOf(pid: number): Promise<string[]> {
  const mine: string[] = [];
  for (const n of readdirSync(TMP).filter((n) => n.startsWith('onix-sandbox-'))) if ((await ownerOf(join(TMP, n)))?.pid === pid) mine.push(join(TMP, n));
  return mine;
}

describe('dev --spec leaves no machine behind', { timeout: 300_000 }, () => {
  it('Ctrl-C shuts the sandbox down; kill -9 leaves only a directory, which the next start removes', async (t) => {
    const dir = await tempSite({ 'content/index.md': page('Home', CASE('one'), 'order: 0\n') });
    const content = join(dir, 'content');

    const first = await startDev(content);
    t.after(() => first.child.kill('SIGKILL'));
    let tree = descendants(first.child.pid!);
    let dirs = await machineDirsOf(first.child.pid!);
    assert.equal(dirs.length, 1, 'a sandbox runs under the dev server');
    let exited = new Promise<void>((r) => first.child.once('exit', () => r()));
    first.child.kill('SIGINT');
    await exited;
    assert.deepEqual(
      (await waitGone(tree)).map((p) => p.cmd),
      [],
    );
    // Fresh-clone CI runs have twice found the directory still there after Ctrl-C; say what was left.
    assert.equal(existsSync(dirs[0]!), false, `left behind after Ctrl-C: ${leftIn(dirs[0]!)}\n${first.output()}`);

    const second = await startDev(content);
    t.after(() => second.child.kill('SIGKILL'));
    tree = descendants(second.child.pid!);
    dirs = await machineDirsOf(second.child.pid!);
    assert.equal(dirs.length, 1);
    // The next start may only sweep once the server is dead: SIGKILL lands when a syscall in
    // progress ends, and until then (the tree below is gone sooner) its directory is in use.
    exited = new Promise<void>((r) => second.child.once('exit', () => r()));
    second.child.kill('SIGKILL');
    await exited;
    assert.deepEqual(
      (await waitGone(tree)).map((p) => p.cmd),
      [],
    );
    assert.ok(existsSync(dirs[0]!));

    const third = await startDev(content);
    t.after(() => third.child.kill('SIGKILL'));
    assert.match(third.output(), /removed \d+ working director(y|ies) left by killed runs/);
    assert.equal(existsSync(dirs[0]!), false);
    exited = new Promise<void>((r) => third.child.once('exit', () => r()));
    third.child.kill('SIGINT');
    await exited;
  });
});
