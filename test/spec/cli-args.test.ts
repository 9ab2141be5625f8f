// Finding 9: the command line as a contributor uses it: directories, --out checked first,
// paths relative to where they are, one page however it is named, and "nothing to run" said.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SpecRunError } from '../../generator/spec/types.ts';
import { ROOT, run, tempDir } from './helpers.ts';

const PAGE = '# P\n\n```console\n$ echo hi\nhi\n```\n';

function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'docs/deep'), { recursive: true });
  writeFileSync(join(dir, 'docs/a.md'), PAGE);
  writeFileSync(join(dir, 'docs/deep/b.md'), PAGE);
  writeFileSync(join(dir, 'empty.md'), '');
  writeFileSync(join(dir, 'prose.md'), '# Prose\n\nNo transcripts here.\n\n```sh\necho not run\n```\n');
  return dir;
}

describe('spec command line arguments', () => {
  it('runs every page under a directory argument', async () => {
    const dir = project();
    const r = await run(['docs'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.equal(r.exitCode, 0, r.output.join('\n'));
    assert.deepEqual(
      r.report.pages.map((p) => p.file),
      ['docs/a.md', 'docs/deep/b.md'],
    );
  });

  it('runs a page once however it is named (x.md, ./x.md, an absolute path, a glob)', async () => {
    const dir = project();
    const r = await run(['docs/a.md', './docs/a.md', join(dir, 'docs/a.md'), 'docs/*.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.deepEqual(
      r.report.pages.map((p) => p.file),
      ['docs/a.md'],
    );
    assert.equal(r.output.at(-1), '1 passed, 0 failed, 0 errors');
  });

  it('resolves paths and --out against where they were typed, names pages from the project root', async () => {
    const dir = project();
    const r = await run(['a.md', 'deep'], { cwd: dir, argsCwd: join(dir, 'docs'), outDir: 'out' });
    assert.deepEqual(
      r.report.pages.map((p) => p.file),
      ['docs/a.md', 'docs/deep/b.md'],
    );
    assert.deepEqual(readdirSync(join(dir, 'docs/out')), ['report.json']);
  });

  it('checks --out before running anything', async () => {
    const dir = project();
    writeFileSync(join(dir, 'taken'), 'a file\n');
    let made = 0;
    await assert.rejects(
      run(['docs'], {
        cwd: dir,
        outDir: join(dir, 'taken'),
        createMachine: () => {
          made++;
          throw new Error('no machine wanted');
        },
      }),
      (e: Error) => e instanceof SpecRunError && /--out .*taken: exists and is not a directory/.test(e.message),
    );
    assert.equal(made, 0);
  });

  it('says when a page has nothing to run, and a run of nothing fails', async () => {
    const dir = project();
    await assert.rejects(run(['empty.md'], { cwd: dir, outDir: join(dir, '.spec') }), /nothing to run: no console transcripts or contract table in empty\.md/);
    await assert.rejects(run(['prose.md', 'empty.md'], { cwd: dir, outDir: join(dir, '.spec') }), /nothing to run: .* in 2 pages/);
    const mixed = await run(['prose.md', 'docs/a.md'], { cwd: dir, outDir: join(dir, '.spec') });
    assert.equal(mixed.exitCode, 0);
    assert.ok(mixed.output.includes('note: prose.md has no console transcripts or contract table'), mixed.output.join('\n'));
  });

  it('the CLI: a directory, a path relative to INIT_CWD, a clear line for --out naming a file', () => {
    const dir = project();
    writeFileSync(join(dir, 'taken'), 'a file\n');
    const cli = (args: string[], initCwd: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'generator/cli/spec.ts'), '--target', 'local', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, INIT_CWD: initCwd, npm_lifecycle_event: 'spec' },
      });
    const ok = cli(['deep', '--out', join(dir, '.spec')], join(dir, 'docs'));
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /docs\/deep\/b\.md:1/);
    const bad = cli(['docs', '--out', 'taken'], dir);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'spec: --out taken: exists and is not a directory\n');
    assert.equal(bad.stdout, '', 'nothing ran');
    const dirErr = cli(['nope'], dir);
    assert.equal(dirErr.stderr, 'spec: nope: no such file or directory\n');
  });

  it('npm run spec starts from a cached bundle of the runner, built once, reused while its inputs are unchanged (finding 11)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.spec, /node generator\/bin\/spec\.js$/, 'no tsx on the way to the first command');
    const dir = project();
    const cache = join(dir, 'bundles');
    const env = { ...process.env, ONIX_BUNDLE_DIR: cache };
    const bin = () =>
      spawnSync(process.execPath, [join(ROOT, 'generator/bin/spec.js'), '--target', 'local', 'docs/a.md', '--out', join(dir, '.spec')], {
        cwd: dir,
        encoding: 'utf8',
        env,
      });
    const first = bin();
    assert.equal(first.status, 0, first.stderr);
    const bundle = join(cache, 'spec/spec.cjs');
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(cache, 'spec/inputs.json'), 'utf8')) as { inputs: [string, number, number][] };
    assert.ok(inputs.inputs.some(([path]) => path === 'generator/cli/spec.ts'));
    assert.ok(inputs.inputs.some(([path]) => path === 'generator/spec/run.ts'));
    assert.ok(readdirSync(join(cache, 'spec')).includes('spec.cjs.v8cache'), 'the code cache is kept beside it');
    const second = bin();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.split('\n').at(-2), '1 passed, 0 failed, 0 errors');
    assert.equal(statSync(bundle).mtimeMs, built, 'not built again');
  });
});
