// A SpecReport → JUnit XML: one <testsuite> per case, one <testcase> per block.
// Rendered from the report (not the outcomes) so merged shard reports render too.

import type { SpecReport } from '../report-types.ts';

function esc(text: string): string {
  // XML 1.0 forbids most control characters even as references; drop them.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const sec = (ms: number) => (ms / 1000).toFixed(3);

export function renderJUnit(report: SpecReport): string {
  const t = report.totals;
  const total = t.passed + t.failed + t.skipped + t.errors;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="onix spec" tests="${total}" failures="${t.failed}" errors="${t.errors}" skipped="${t.skipped}" time="${sec(report.cases.reduce((a, c) => a + c.durationMs, 0))}">`,
  ];
  for (const c of report.cases) {
    const count = (s: string) => c.blocks.filter((b) => b.status === s).length;
    out.push(`  <testsuite name="${esc(`${c.id} ${c.title}`)}" tests="${c.blocks.length}" failures="${count('failed')}" errors="${count('error')}" skipped="${count('skipped')}" time="${sec(c.durationMs)}" timestamp="${report.startedAt}">`);
    for (const b of c.blocks) {
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
    out.push(`  <testsuite name="${esc(`${e.file}:${e.line} spec error`)}" tests="1" failures="0" errors="1" skipped="0">`);
    out.push(`    <testcase classname="${esc(e.file)}" name="${esc(`${e.file}:${e.line} spec error`)}"><error message="${esc(e.message)}"/></testcase>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
