// The real command line, spawned as a contributor runs it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIX, ROOT, tempDir } from './helpers.ts';

// The fixtures are host commands: pin the default target to `local` (it is the VM where QEMU is installed).
const env = { ...process.env, ONIX_TARGET: 'local' };

function spec(args: string[], viaNpm = false) {
  const r = viaNpm
    ? spawnSync('npm', ['run', '--silent', 'spec', '--', ...args], { cwd: ROOT, encoding: 'utf8', env })
    : spawnSync(process.execPath, ['--import', 'tsx', 'generator/cli/spec.ts', ...args], { cwd: ROOT, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: r.stdout.trimEnd().split('\n').at(-1) };
}

describe('npm run spec', () => {
  it('exits non-zero (1) when a transcript does not match', () => {
    const out = tempDir();
    const r = spec([`${FIX}/fail.md`, '--filter', 'exact mismatch', '--out', out], true);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.last, '0 passed, 1 failed, 0 errors');
    assert.match(r.stdout, /test\/spec\/fixtures\/fail\.md:11 {2}\$ echo hello\n {6}@@ test\/spec\/fixtures\/fail\.md:12 @@\n {6}-goodbye\n {6}\+hello/);
    assert.ok(existsSync(join(out, 'report.json')));
  });

  it('exits 0 when green, 2 for spec errors, with file:line', () => {
    const ok = spec([`${FIX}/ok.md`, '--out', tempDir()]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.last, '1 passed, 0 failed, 0 errors');
    const bad = spec([`${FIX}/errors/unclosed.md`, '--out', tempDir()]);
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /^spec error test\/spec\/fixtures\/errors\/unclosed\.md:3: unclosed ```console block/);
    assert.equal(bad.last, '0 passed, 0 failed, 1 error');
  });

  it('writes the report where --out says, JUnit and TAP on request', () => {
    const out = tempDir();
    const r = spec([`${FIX}/ok.md`, '--out', out, '--report', 'junit,tap']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).totals.passed, 1);
    assert.ok(existsSync(join(out, 'junit.xml')) && existsSync(join(out, 'report.tap')));
  });

  it('says what is wrong with bad arguments in one line, exit 2, no stack trace', () => {
    for (const [args, message] of [
      [['--shard', '4/3'], 'spec: --shard wants I/N with 1 <= I <= N, got "4/3"'],
      [['--report', 'xml'], 'spec: --report wants json, junit or tap, got "xml"'],
      [['--bogus'], 'spec: unknown option --bogus (see --help)'],
      [['no/such.md'], 'spec: no/such.md: no such file or directory'],
      [[`${FIX}/ok.md`, '--target', 'mars', '--out', tempDir()], /^spec: unknown target: mars\b.*\n$/],
    ] as const) {
      const r = spec([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      if (typeof message === 'string') assert.equal(r.stderr, `${message}\n`);
      else assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
    }
  });

  it('documents the exit codes in --help', () => {
    const r = spec(['--help']);
    assert.equal(r.code, 0);
    assert.match(
      r.stdout,
      /Exit status:\n {2}0 {2}every block passed[\s\S]*\n {2}1 {2}some block ran and its output did not match\n {2}2 {2}the spec has errors/,
    );
  });

  it('on Ctrl-C stops the machines, writes the report of what ran, and exits 2', async () => {
    const out = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'generator/cli/spec.ts', `${FIX}/hang.md`, '--jobs', '1', '--out', out], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const report = join(out, 'report.json');
    // Interrupt once the hanging command is running (the agent has started a shell).
    const t0 = Date.now();
    const sleeping = () => {
      // Is a `sleep 60` among the descendants of our child (not some other process on the host)?
      const rows = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/));
      const tree = new Set([child.pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [pid, ppid] of rows)
          if (tree.has(Number(ppid)) && !tree.has(Number(pid))) {
            tree.add(Number(pid));
            grew = true;
          }
      }
      return rows.some(([pid, cmd, arg]) => tree.has(Number(pid)) && cmd === 'sleep' && arg === '60');
    };
    while (!sleeping() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2, stdout + stderr);
    assert.ok(Date.now() - t0 < 40_000, 'did not wait for the 60 s sleep');
    assert.match(stderr, /spec: interrupted, stopping the machines/);
    assert.match(stdout, /interrupted: the report covers what ran\n0 passed, 0 failed, 1 error, 1 skipped\n$/);
    const written = JSON.parse(readFileSync(report, 'utf8'));
    assert.deepEqual(
      written.cases.map((c: { status: string }) => c.status),
      ['error', 'skipped'],
    );
  });
});
