// onix's output goes to fd 1 with writeSync (onix/stdout.ts): every byte arrives in order
// on a blocking pipe and on a non-blocking one (EAGAIN hands over to process.stdout), and a
// reader that goes away early ends the output, not the command.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSync } from 'esbuild';

const module = resolve(import.meta.dirname, '../../onix/stdout.ts');
const dir = mkdtempSync(join(tmpdir(), 'onix-stdout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A script that prints `lines` numbered lines through writeStdout, then says so on stderr;
 * bundled, so that node runs it without tsx (whose loader may make fd 1 non-blocking itself).
 */
function script(name: string, lines: number, before = ''): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `import { writeStdout } from ${JSON.stringify(module)};\n${before}\nfor (let i = 0; i < ${lines}; i++) writeStdout(\`line \${i} ${'x'.repeat(200)}\\n\`);\nprocess.stderr.write('finished\\n');\n`,
  );
  const out = file.replace(/\.mts$/, '.cjs');
  buildSync({ entryPoints: [file], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  return out;
}

const expected = (lines: number): string => Array.from({ length: lines }, (_, i) => `line ${i} ${'x'.repeat(200)}\n`).join('');

describe('writeStdout', () => {
  it('writes every line in order into a pipe', () => {
    const r = spawnSync(process.execPath, [script('plain.mts', 5000)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, expected(5000));
  });

  it('keeps the order when fd 1 is non-blocking and the reader is slow', async () => {
    // Making process.stdout first turns the pipe non-blocking (libuv), as a caller's stream would.
    const file = script('nonblocking.mts', 20000, "void process.stdout.fd;\nprocess.stderr.write('started\\n');");
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const closed = new Promise((r) => child.on('close', r));
    let out = '';
    let err = '';
    child.stdout.pause();
    const started = new Promise<void>((r) =>
      child.stderr.on('data', (d) => {
        err += d;
        if (err.includes('started')) r();
      }),
    );
    // Nothing is read until the child has been writing for a while: 4 MiB of lines fill the
    // socket's buffer long before, so its writes meet EAGAIN.
    await started;
    await new Promise((r) => setTimeout(r, 200));
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stdout.resume();
    assert.equal(await closed, 0, err);
    assert.equal(out, expected(20000));
  });

  it('a reader that stops early ends the output, not the command', () => {
    const r = spawnSync('sh', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(script('early.mts', 20000))} | head -n 2`], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, expected(2));
    assert.match(r.stderr, /^finished$/m);
    assert.doesNotMatch(r.stderr, /EPIPE|Error/);
  });
});
