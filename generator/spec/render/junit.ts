// A SpecReport → JUnit XML: one <testsuite> per case, one <testcase> per counted block, and
// one per spec error. Rendered from the report (not the outcomes) so merged shard reports
// render too. Every count attribute comes from counts.ts and agrees with the testcases below it.

import { countedBlocks, countReport } from '../counts.ts';
import type { SpecReport } from '../report-types.ts';
import { escapeXml } from '../../xml.ts';

/** Text for the report (the JSON report has control characters exactly; here they show as `\xHH`). */
const esc = escapeXml;

const sec = (ms: number) => (ms / 1000).toFixed(3);

export function renderJUnit(report: SpecReport): string {
  const t = countReport(report);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="onix spec" tests="${t.passed + t.failed + t.skipped + t.errors}" failures="${t.failed}" errors="${t.errors}" skipped="${t.skipped}" time="${sec(report.cases.reduce((a, c) => a + c.durationMs, 0))}">`,
  ];
  for (const c of report.cases.filter((c) => !c.specError)) {
    const blocks = countedBlocks([c]).map(({ b }) => b);
    const count = (s: string) => blocks.filter((b) => b.status === s).length;
    out.push(
      `  <testsuite name="${esc(`${c.id} ${c.title}`)}" tests="${blocks.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${sec(c.durationMs)}" timestamp="${report.startedAt}">`,
    );
    for (const b of blocks) {
      const open = `    <testcase classname="${esc(c.file)}" name="${esc(`${b.id} ${c.title}`)}" file="${esc(b.file)}" line="${b.line}" time="${sec(b.durationMs)}"`;
      if (b.status === 'passed') out.push(`${open}/>`);
      else if (b.status === 'skipped') out.push(`${open}>`, `      <skipped message="${esc(b.message ?? 'skipped')}"/>`, '    </testcase>');
      else {
        const tag = b.status === 'failed' ? 'failure' : 'error';
        out.push(`${open}>`, `      <${tag} message="${esc(b.message ?? `${b.id} did not match`)}">${esc(b.diff)}</${tag}>`, '    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  for (const e of report.specErrors ?? []) {
    out.push(
      `  <testsuite name="${esc(`${e.file}:${e.line} spec error`)}" tests="1" failures="0" errors="1" skipped="0" time="0.000" timestamp="${report.startedAt}">`,
    );
    out.push(
      `    <testcase classname="${esc(e.file)}" name="${esc(`${e.file}:${e.line} spec error`)}" file="${esc(e.file)}" line="${e.line}" time="0.000"><error message="${esc(e.message)}"/></testcase>`,
    );
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
