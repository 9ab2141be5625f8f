// `npm run spec -- --watch` (watchSpec) on the `local` target, with real files saved the ways
// editors save them: only changed cases run again, a line added above a case moves its result
// without a run, `u` blesses the last failure through --update's rewrite, a change under a
// dependency folder runs everything on a new machine.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { LocalMachine } from '../../onix/machine/local.ts';
import { loadReport } from '../../generator/spec/report.ts';
import { watchSpec } from '../../generator/spec/watch.ts';
import { tempDir } from './helpers.ts';

const PAGE = [
  '# Three',
  '',
  '## One',
  '',
  '```console',
  '$ echo one',
  'one',
  '```',
  '',
  '## Two',
  '',
  '```console',
  '$ echo two',
  'two',
  '```',
  '',
  '## Three',
  '',
  '```console',
  '$ echo three',
  'three',
  '```',
  '',
].join('\n');

/** A watch over one page in a temp dir, with its lines, rounds and keys at hand. */
async function watching(page = PAGE) {
  const dir = tempDir('onix-watch-test-');
  const deps = join(dir, 'deps');
  mkdirSync(deps);
  writeFileSync(join(dir, 'three.md'), page);
  const lines: string[] = [];
  const keys = new PassThrough();
  const stop = new AbortController();
  let made = 0;
  let roundWaiters: Array<(s: string) => void> = [];
  const nextRound = () => new Promise<string>((r) => roundWaiters.push(r));
  const first = nextRound();
  const done = watchSpec({
    cwd: dir,
    files: ['three.md'],
    target: 'local',
    createMachine: () => {
      made++;
      return new LocalMachine();
    },
    dependencyDirs: [deps],
    outDir: join(dir, '.spec'),
    keys,
    signal: stop.signal,
    write: (t) => lines.push(...t.split('\n')),
    onRound: (s) => {
      const waiting = roundWaiters;
      roundWaiters = [];
      for (const w of waiting) w(s);
    },
  });
  await first;
  return {
    dir,
    deps,
    lines,
    keys,
    nextRound,
    machines: () => made,
    /** The case lines (✓/✗) printed since `from`. */
    ranSince: (from: number) => lines.slice(from).filter((l) => /^[✓✗] /.test(l)),
    async stop() {
      stop.abort();
      return done;
    },
  };
}

/** Save as editors that write a temporary file and rename it over the page do. */
function saveByRename(file: string, text: string): void {
  const tmp = `${file}.tmp-save`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

describe('watchSpec', () => {
  it('runs all three cases once, then only the one whose text changed', async () => {
    const w = await watching();
    try {
      assert.equal(w.ranSince(0).length, 3);
      assert.match(w.lines.at(-1)!, /^3 passed, 0 failed, 0 errors · watching 1 page/);
      const from = w.lines.length;
      const round = w.nextRound();
      saveByRename(join(w.dir, 'three.md'), PAGE.replace('$ echo two\ntwo', '$ echo 2\n2'));
      const summary = await round;
      assert.deepEqual(
        w.ranSince(from).map((l) => l.replace(/\(.*\)$/, '')),
        ['✓ three.md:10  Two  '],
      );
      assert.ok(w.lines.includes('changed three.md: 1 of 3 cases to run'));
      assert.match(summary, /^3 passed, 0 failed, 0 errors · watching 1 page/);
      assert.equal(w.machines(), 1, 'the machine stayed up');
      // The report covers the whole watched set, the new text included.
      const report = (await loadReport(join(w.dir, '.spec')))!;
      assert.equal(report.cases.length, 3);
      assert.equal(report.cases[1]!.blocks[0]!.commands[0]!.command, 'echo 2');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  it('moves the results of cases a save only shifted, without running them', async () => {
    const w = await watching();
    try {
      const from = w.lines.length;
      const round = w.nextRound();
      writeFileSync(join(w.dir, 'three.md'), PAGE.replace('# Three\n', '# Three\n\nA new paragraph.\n'));
      await round;
      assert.deepEqual(w.ranSince(from), []);
      const report = (await loadReport(join(w.dir, '.spec')))!;
      assert.deepEqual(
        report.cases.map((c) => c.id),
        ['three.md:5', 'three.md:12', 'three.md:19'],
      );
      assert.equal(report.cases[2]!.blocks[0]!.id, 'three.md:21');
      assert.equal(report.cases[2]!.blocks[0]!.commands[0]!.line, 22);
    } finally {
      await w.stop();
    }
  });

  it('blesses the last failure on `u`, through the same rewrite as --update, and the save runs it again', async () => {
    const w = await watching();
    const file = join(w.dir, 'three.md');
    try {
      let round = w.nextRound();
      writeFileSync(file, PAGE.replace('$ echo three\nthree', '$ echo three\n3'));
      assert.match(await round, /^2 passed, 1 failed, 0 errors .* u: bless the last failure/);
      round = w.nextRound();
      w.keys.write('u');
      const summary = await round;
      assert.ok(w.lines.includes('updated three.md (1 command)'));
      assert.equal(readFileSync(file, 'utf8'), PAGE);
      assert.match(summary, /^3 passed, 0 failed, 0 errors/);
    } finally {
      await w.stop();
    }
  });

  it('runs every case on a new machine when a dependency changes', async () => {
    const w = await watching();
    try {
      const from = w.lines.length;
      const round = w.nextRound();
      writeFileSync(join(w.deps, 'source.ts'), 'export {};\n');
      await round;
      assert.equal(w.ranSince(from).length, 3);
      assert.equal(w.machines(), 2);
    } finally {
      await w.stop();
    }
  });

  it('after 100 saves through a temporary file and rename, one machine ran and the last text is what passed', async () => {
    const w = await watching();
    const file = join(w.dir, 'three.md');
    try {
      for (let i = 1; i <= 100; i++) {
        saveByRename(file, PAGE.replace('$ echo two\ntwo', `$ echo ${i}\n${i}`));
        await new Promise((r) => setTimeout(r, i % 10 === 0 ? 40 : 3));
      }
      // Rounds end as saves settle; wait for the one that holds the last text.
      for (let tries = 0; tries < 50; tries++) {
        const report = await loadReport(join(w.dir, '.spec'));
        if (report?.cases[1]?.blocks[0]?.commands[0]?.command === 'echo 100' && /^3 passed/.test(w.lines.at(-1)!)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const report = (await loadReport(join(w.dir, '.spec')))!;
      assert.equal(report.cases[1]!.blocks[0]!.commands[0]!.command, 'echo 100');
      assert.deepEqual(report.totals, { passed: 3, failed: 0, skipped: 0, errors: 0, specErrors: 0 });
      assert.equal(w.machines(), 1);
      assert.equal(w.lines.filter((l) => l.startsWith('✗')).length, 0, 'no run of an older text failed');
    } finally {
      await w.stop();
    }
  });

  it('ends with the exit code of the watched set', async () => {
    const w = await watching(PAGE.replace('$ echo one\none', '$ echo one\nuno'));
    assert.match(w.lines.at(-1)!, /^2 passed, 1 failed/);
    assert.equal(await w.stop(), 1);
  });
});
