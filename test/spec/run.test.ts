// The runner end to end on the `local` target over fixture Markdown.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadReport } from '../../generator/spec/report.ts';
import { FIX, maskDurations, ROOT, run, tempDir } from './helpers.ts';

describe('runSpec on local', () => {
  it('passes every matcher, exit status, stderr rule, capture, cd and variable carry-over', async () => {
    const r = await run([`${FIX}/pass.md`]);
    const failures = r.outcomes.filter((o) => o.status !== 'passed' && o.status !== 'skipped');
    assert.deepEqual(
      failures.map((o) => `${o.spec.id}\n${o.blocks.map((b) => b.diff || b.message).join('\n')}`),
      [],
    );
    assert.equal(r.exitCode, 0);
    assert.equal(r.output.at(-1), '13 passed, 0 failed, 0 errors, 1 skipped');
    // The report on disk: captures with observed values, machine identity, page hash.
    const report = (await loadReport(r.written[0].replace(/report\.json$/, '')))!;
    assert.deepEqual(report.totals, { passed: 13, failed: 0, skipped: 1, errors: 0, specErrors: 0 });
    assert.equal(report.machine.target, 'local');
    const capCase = report.cases.find((c) => c.title === 'Captures across blocks')!;
    assert.match(capCase.blocks[0].captures.dir, /^\/.+\/work\/deep$/);
    assert.equal(capCase.blocks[1].captures.dir, capCase.blocks[0].captures.dir);
    assert.ok(capCase.blocks[1].captures.home.length > 1);
    assert.equal(report.pages[0].file, `${FIX}/pass.md`);
    assert.equal(report.pages[0].contentHash.length, 64);
    const exact = report.cases[0].blocks[0];
    assert.deepEqual(exact.commands[0], { ...exact.commands[0], line: 10, command: 'echo hello', stdout: 'hello\n', stderr: '', status: 0 });
    assert.equal(report.cases.at(-1)!.blocks[0].message, 'only-on-the-vm');
  });

  it('fails each broken matcher with page:line and a unified diff (fixtures/fail.expected.txt)', async () => {
    const r = await run([`${FIX}/fail.md`], { jobs: 3 });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      Array(9).fill('failed'),
    );
    const text = `${maskDurations(r.output.join('\n'))}\n`;
    const expectedFile = join(ROOT, FIX, 'fail.expected.txt');
    if (process.env.UPDATE === '1') writeFileSync(expectedFile, text);
    assert.equal(text, readFileSync(expectedFile, 'utf8'));
  });

  it('kills a hung command at its timeout: the case errors with the output so far, the next case runs', async () => {
    const t0 = Date.now();
    const r = await run([`${FIX}/timeout.md`]);
    assert.ok(Date.now() - t0 < 10_000, 'the 30 s sleep was killed');
    assert.equal(r.exitCode, 2, 'a timeout is "could not run"');
    const [hung, next] = r.outcomes;
    assert.equal(hung.status, 'error');
    const [first, second] = hung.blocks[0].commands;
    assert.equal(first.message, 'timed out after 1 s (output so far in the diff)');
    assert.match(first.observation!.stdout, /^before\n/);
    assert.equal(second.status, 'not-run');
    assert.equal(next.status, 'passed');
    assert.equal(r.output.at(-1), '1 passed, 0 failed, 1 error');
  });

  it('skips a case that needs a reboot or a kernel on a target without them, saying why', async () => {
    const r = await run([`${FIX}/reboot.md`]);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(
      r.outcomes.map((o) => [o.status, o.message]),
      [
        ['skipped', 'target local cannot reboot'],
        ['skipped', 'target local cannot boot its own kernel'],
        ['skipped', 'target local cannot crash'],
      ],
    );
    assert.equal(r.output.at(-1), '0 passed, 0 failed, 0 errors, 3 skipped');
  });

  it('checks each contract row with `onix owner` (first line = owner)', async () => {
    const path = process.env.PATH;
    process.env.PATH = `${join(ROOT, FIX, 'bin')}:${path}`;
    try {
      const r = await run([`${FIX}/contract.md`]);
      assert.equal(r.exitCode, 1);
      const rows = r.outcomes[0].blocks;
      assert.deepEqual(
        rows.map((b) => b.status),
        ['passed', 'passed', 'failed'],
      );
      assert.equal(rows[2].message, 'contract says moss, machine says user');
      assert.equal(rows[2].diff, `$ onix owner /home\n@@ ${FIX}/contract.md:9 @@\n-moss\n+user`);
      assert.equal(r.output.at(-1), '2 passed, 1 failed, 0 errors');
    } finally {
      process.env.PATH = path;
    }
  });

  it('reports spec errors with file:line, runs the healthy cases, and exits 2', async () => {
    const r = await run([`${FIX}/errors/options.md`, `${FIX}/ok.md`]);
    assert.equal(r.exitCode, 2);
    assert.equal(r.specErrors.length, 4);
    assert.match(r.output[0], /^spec error test\/spec\/fixtures\/errors\/options\.md:3: unknown block option "colour"/);
    assert.deepEqual(
      r.outcomes.map((o) => [o.spec.id, o.status]),
      [
        [`${FIX}/errors/options.md:1`, 'error'],
        [`${FIX}/ok.md:1`, 'passed'],
      ],
    );
    assert.equal(r.report.specErrors!.length, 4);
    assert.equal(r.output.at(-1), '1 passed, 0 failed, 4 errors');
  });

  it('copies artifacts= files out of the machine into the report dir; a name may be declared once', async () => {
    const dir = tempDir();
    const out = join(dir, '.spec');
    writeFileSync(join(dir, 'page.md'), `# Artifacts\n\n\`\`\`console artifacts=${dir}/made.txt\n$ echo hello > ${dir}/made.txt\n\`\`\`\n`);
    const r = await run(['page.md'], { cwd: dir, outDir: out });
    assert.equal(r.exitCode, 0, r.output.join('\n'));
    assert.deepEqual(r.report.cases[0].artifacts, ['artifacts/made.txt']);
    assert.equal(readFileSync(join(out, 'artifacts/made.txt'), 'utf8'), 'hello\n');
    writeFileSync(
      join(dir, 'twice.md'),
      `# A\n\n\`\`\`console artifacts=/a/x.png\n$ true\n\`\`\`\n\n# B\n\n\`\`\`console artifacts=/b/x.png\n$ true\n\`\`\`\n`,
    );
    const twice = await run(['twice.md'], { cwd: dir, outDir: out });
    assert.equal(twice.exitCode, 2);
    assert.deepEqual(
      twice.specErrors.map((e) => e.message),
      ['twice.md:9: artifact name x.png is also declared at twice.md:3 (artifacts are saved by file name)'],
    );
  });

  it('--fail-fast starts no case after the first failure; --filter picks cases by id or title', async () => {
    const r = await run([`${FIX}/fail.md`], { jobs: 1, failFast: true });
    assert.equal(r.exitCode, 1);
    assert.equal(r.outcomes[0].status, 'failed');
    assert.deepEqual(new Set(r.outcomes.slice(1).map((o) => `${o.status}: ${o.message}`)), new Set(['skipped: not run (--fail-fast)']));
    const f = await run([`${FIX}/fail.md`, `${FIX}/ok.md`], { filter: 'ONE PASSING' });
    assert.deepEqual(
      f.outcomes.map((o) => o.spec.id),
      [`${FIX}/ok.md:1`],
    );
    assert.equal(f.report.filter, 'ONE PASSING');
    const byId = await run([`${FIX}/fail.md`], { filter: 'fail.md:57' });
    assert.deepEqual(
      byId.outcomes.map((o) => o.spec.title),
      ['Wrong exit status'],
    );
    await assert.rejects(run([`${FIX}/ok.md`], { filter: 'nothing like this' }), /--filter nothing like this matches no case/);
  });
});
