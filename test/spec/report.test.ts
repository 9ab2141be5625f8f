// Reports: load, freshness, JUnit, TAP.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMarkdown, parsePage } from '../../generator/markdown/parse.ts';
import { loadReport, reportFreshness } from '../../generator/spec/report.ts';
import { FIX, ROOT, run, tempDir } from './helpers.ts';

describe('report API', () => {
  it('loadReport reads what the run wrote; reportFreshness tells fresh and green apart', async () => {
    const out = tempDir();
    const green = await run([`${FIX}/pass.md`], { outDir: out });
    const loaded = (await loadReport(out))!;
    assert.deepEqual(loaded, JSON.parse(JSON.stringify(green.report)));
    assert.equal(await loadReport(tempDir()), null, 'no report yet');

    const page = await parsePage(join(ROOT, FIX, 'pass.md'));
    const asRun = { file: `${FIX}/pass.md`, contentHash: page.contentHash };
    assert.deepEqual(reportFreshness(loaded, [asRun]), {
      fresh: true, green: true, ok: true, stale: [], extra: [], failing: [],
      skipped: [`${FIX}/pass.md:132`], reasons: [],
    });
    const edited = parseMarkdown(`${FIX}/pass.md`, page.source + '\nedited\n');
    const stale = reportFreshness(loaded, [edited]);
    assert.deepEqual([stale.fresh, stale.green, stale.ok, stale.stale], [false, true, false, [`${FIX}/pass.md`]]);
    assert.deepEqual(stale.reasons, [`${FIX}/pass.md changed since the spec ran`]);
    const other = reportFreshness(loaded, [asRun, { file: 'content/new.md', contentHash: 'x' }]);
    assert.deepEqual(other.reasons, ['content/new.md is not in the report']);

    const red = await run([`${FIX}/fail.md`], { shard: { index: 1, count: 1 } });
    const f = reportFreshness(red.report, [await parsePage(`${FIX}/fail.md`)]);
    assert.equal(f.green, false);
    assert.equal(f.failing.length, 9);
    assert.equal(f.fresh, false, 'a shard report is not a whole run');
    assert.ok(f.reasons.includes('the report covers only shard 1/1'));
  });

  it('writes JUnit and TAP on request, from the same results', async () => {
    const out = tempDir();
    const r = await run([`${FIX}/fail.md`, `${FIX}/reboot.md`, `${FIX}/ok.md`], { outDir: out, reports: ['junit', 'tap'] });
    assert.deepEqual(r.written.map((p) => p.slice(out.length + 1)), ['report.json', 'junit.xml', 'report.tap']);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="onix spec" tests="14" failures="9" errors="0" skipped="3"/);
    assert.equal(junit.match(/<failure /g)!.length, 9);
    assert.match(junit, /<failure message="[^"]*">\$ echo hello\n@@ test\/spec\/fixtures\/fail.md:12 @@\n-goodbye\n\+hello<\/failure>/);
    assert.match(junit, /<skipped message="target local cannot reboot"\/>/);
    const tap = readFileSync(join(out, 'report.tap'), 'utf8');
    assert.match(tap, /^TAP version 13\n1\.\.14\n/);
    assert.equal(tap.match(/^not ok /gm)!.length, 9);
    assert.equal(tap.match(/^ok \d+ - .* # SKIP target local cannot reboot$/gm)!.length, 1);
    assert.match(tap, /^ok \d+ - test\/spec\/fixtures\/ok.md:3 One passing case$/m);
  });
});
