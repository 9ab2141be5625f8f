// Reports: load, freshness, JUnit, TAP, and that they all count the same.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { SpecReport } from '../../generator/spec/report-types.ts';
import { loadPage } from '../../generator/content/load.ts';
import { parseMarkdown } from '../../generator/content/parse.ts';
import { loadReport, reportFreshness } from '../../generator/spec/report.ts';
import { verifierHash } from '../../generator/spec/verifier.ts';
import { FIX, ROOT, run, tempDir } from './helpers.ts';

describe('report API', () => {
  it('loadReport reads what the run wrote; reportFreshness tells fresh and green apart', async () => {
    const out = tempDir();
    const green = await run([`${FIX}/pass.md`], { outDir: out });
    const loaded = (await loadReport(out))!;
    assert.deepEqual(loaded, JSON.parse(JSON.stringify(green.report)));
    assert.equal(await loadReport(tempDir()), null, 'no report yet');

    const page = await loadPage(join(ROOT, FIX, 'pass.md'));
    const asRun = { file: `${FIX}/pass.md`, contentHash: page.contentHash };
    assert.deepEqual(reportFreshness(loaded, [asRun]), {
      fresh: true,
      green: true,
      ok: true,
      stale: [],
      extra: [],
      failing: [],
      skipped: [`${FIX}/pass.md:132`],
      changed: [],
      reasons: [],
    });
    // Held against what would run it now: this checkout's code, and the image the target boots.
    assert.match(loaded.verifier ?? '', /^[0-9a-f]{64}$/, 'the run says which code ran it');
    assert.equal(reportFreshness(loaded, [asRun], { verifier: verifierHash(), imageId: loaded.machine.imageId }).ok, true);
    const otherCode = reportFreshness(loaded, [asRun], { verifier: 'cd'.repeat(32) });
    assert.deepEqual([otherCode.fresh, otherCode.ok], [false, false]);
    assert.deepEqual(otherCode.changed, [
      `the code that runs the spec changed since it ran (verifier ${loaded.verifier!.slice(0, 12)} then, cdcdcdcdcdcd now)`,
    ]);
    const otherImage = reportFreshness({ ...loaded, machine: { ...loaded.machine, imageId: '73c5363d0dd543ff50aa' } }, [asRun], {
      imageId: 'd276c92126d75032f523',
    });
    assert.deepEqual(otherImage.reasons, ['the test image changed since the spec ran (image 73c5363d0dd5 then, d276c92126d7 now)']);
    const unsaid = reportFreshness({ ...loaded, verifier: undefined }, [asRun], { verifier: verifierHash() });
    assert.equal(unsaid.fresh, false, 'a report that does not name its code is not fresh');
    const edited = parseMarkdown(`${FIX}/pass.md`, `${page.source}\nedited\n`);
    const stale = reportFreshness(loaded, [edited]);
    assert.deepEqual([stale.fresh, stale.green, stale.ok, stale.stale], [false, true, false, [`${FIX}/pass.md`]]);
    assert.deepEqual(stale.reasons, [`${FIX}/pass.md changed since the spec ran`]);
    const other = reportFreshness(loaded, [asRun, { file: 'content/new.md', contentHash: 'x' }]);
    assert.deepEqual(other.reasons, ['content/new.md is not in the report']);

    const red = await run([`${FIX}/fail.md`], { shard: { index: 1, count: 1 } });
    const f = reportFreshness(red.report, [await loadPage(`${FIX}/fail.md`)]);
    assert.equal(f.green, false);
    assert.equal(f.failing.length, 9);
    assert.equal(f.fresh, false, 'a shard report is not a whole run');
    assert.ok(f.reasons.includes('the report covers only shard 1/1'));
  });

  it('writes JUnit and TAP on request, from the same results', async () => {
    const out = tempDir();
    const r = await run([`${FIX}/fail.md`, `${FIX}/reboot.md`, `${FIX}/ok.md`], { outDir: out, reports: ['junit', 'tap'] });
    assert.deepEqual(
      r.written.map((p) => p.slice(out.length + 1)),
      ['report.json', 'junit.xml', 'report.tap'],
    );
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="onix spec" tests="14" failures="9" errors="0" skipped="3"/);
    assert.equal(junit.match(/<failure /g)!.length, 9);
    assert.match(junit, /<failure message="[^"]*">\$ echo hello\n@@ test\/spec\/fixtures\/fail.md:12 @@\n-goodbye\n\+hello<\/failure>/);
    assert.match(junit, /<skipped message="target local cannot reboot"\/>/);
    const tap = readFileSync(join(out, 'report.tap'), 'utf8');
    assert.match(tap, /^TAP version 14\n1\.\.14\n/);
    assert.equal(tap.match(/^not ok /gm)!.length, 9);
    assert.equal(tap.match(/^ok \d+ - .* # SKIP target local cannot reboot$/gm)!.length, 1);
    assert.match(tap, /^ok \d+ - test\/spec\/fixtures\/ok.md:3 One passing case$/m);
  });

  it('counts every case, failure and spec error once, the same in terminal, JSON, JUnit and TAP (finding 10)', async () => {
    const dir = tempDir();
    const out = join(dir, '.spec');
    const page = [
      '# Counts',
      '',
      '## Passes',
      '',
      '```console',
      '$ echo ok',
      'ok',
      '```',
      '',
      '## Fails',
      '',
      '```console',
      '$ echo no',
      'yes',
      '```',
      '',
      '## Binary',
      '',
      '```console',
      "$ printf 'bad\\377\\000nul\\r\\033x\\n'",
      'text',
      '```',
      '',
      '## Times out',
      '',
      '```console timeout=1',
      '$ sleep 5',
      '```',
      '',
      '## Skipped',
      '',
      '```console skip=later',
      '$ true',
      '```',
      '',
      '## Broken',
      '',
      '```console',
      '$ echo a',
      '```',
      '',
      '```console nosuch=1',
      '$ echo b',
      '```',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'page.md'), page);
    const r = await run(['page.md'], { cwd: dir, outDir: out, reports: ['junit', 'tap'] });
    assert.equal(r.exitCode, 2);
    const t = r.report.totals;
    assert.deepEqual(t, { passed: 1, failed: 2, skipped: 1, errors: 2, specErrors: 1 });
    assert.equal(r.output.at(-1), `${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.skipped} skipped`);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as SpecReport;
    assert.deepEqual(json.totals, t);
    assert.equal(json.cases.find((c) => c.title === 'Broken')?.specError, true);

    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    const root = /<testsuites [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(junit)!;
    const count = (re: RegExp) => (junit.match(re) ?? []).length;
    assert.deepEqual(root.slice(1).map(Number), [count(/<testcase /g), count(/<failure /g), count(/<error /g), count(/<skipped /g)]);
    assert.deepEqual(root.slice(1).map(Number), [t.passed + t.failed + t.errors + t.skipped, t.failed, t.errors, t.skipped]);
    for (const suite of junit.matchAll(/<testsuite [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
      const body = suite[5];
      assert.deepEqual(
        suite.slice(1, 5).map(Number),
        [/<testcase /g, /<failure /g, /<error /g, /<skipped /g].map((re) => (body.match(re) ?? []).length),
      );
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 forbids.
    assert.doesNotMatch(junit, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no character XML 1.0 forbids');

    const tap = readFileSync(join(out, 'report.tap'), 'utf8');
    assert.match(tap, /^TAP version 14\n/);
    assert.equal(Number(/^1\.\.(\d+)$/m.exec(tap)![1]), t.passed + t.failed + t.errors + t.skipped);
    assert.equal(tap.match(/^not ok /gm)!.length, t.failed + t.errors);
    const yamlBlocks = [...tap.matchAll(/^ {2}---\n([\s\S]*?)^ {2}\.\.\.$/gm)].map((m) => m[1].replace(/^ {2}/gm, ''));
    assert.equal(yamlBlocks.length, t.failed + t.errors);
    const diagnostics = yamlBlocks.map((y) => parseYaml(y) as { diff?: string; message?: string });
    const binary = r.report.cases.find((c) => c.title === 'Binary')!.blocks[0];
    assert.ok(
      diagnostics.some((d) => d.diff === binary.diff),
      'the diff with control characters survives the YAML exactly',
    );

    // The exact bytes are kept: base64 beside the text, which shows U+FFFD for the invalid byte.
    const cmd = json.cases.find((c) => c.title === 'Binary')!.blocks[0].commands[0];
    assert.deepEqual(Buffer.from(cmd.stdoutBase64!, 'base64'), Buffer.from('bad\xff\x00nul\r\x1bx\n', 'latin1'));
    assert.equal(cmd.stdout, 'bad\ufffd\u0000nul\r\u001bx\n');
    assert.equal(cmd.merged, true);
    assert.equal(json.cases[0].blocks[0].commands[0].stdoutBase64, undefined, 'valid UTF-8 needs no copy');
    // Printed readably: the control characters appear escaped in the diff, never raw.
    assert.match(binary.diff, /^\+bad\ufffd\\x00nul\\x0d\\x1bx \(re\)$/m);
  });
});
