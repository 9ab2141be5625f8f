// A SpecReport → TAP version 14: one test point per counted block and per spec error (the
// same things counts.ts counts), diagnostics as YAML that YAML parsers accept.

import { countedBlocks } from '../counts.ts';
import type { SpecReport } from '../report-types.ts';

/** Characters a YAML block scalar cannot hold (non-printable, and CR, which would end a line). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds.
const NOT_BLOCK_SAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udfff]/;

/**
 * `key: value` in the YAML block: a literal block scalar (`|2-`, indentation given so leading
 * spaces survive) when the text can be one, else a double-quoted scalar (JSON's escapes are
 * YAML's), which holds any text exactly.
 */
function yamlField(key: string, text: string): string[] {
  if (NOT_BLOCK_SAFE.test(text) || /[ \t]$/m.test(text)) return [`  ${key}: ${JSON.stringify(text)}`];
  return [`  ${key}: |2-`, ...text.split('\n').map((l) => (l === '' ? '' : `    ${l}`))];
}

/** A test point's description: TAP 14 escapes `#` and `\`; one line. */
function description(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/#/g, '\\#')
    .replace(/[\r\n]+/g, ' ');
}

export function renderTap(report: SpecReport): string {
  const points: string[] = [];
  let n = 0;
  for (const e of report.specErrors ?? []) {
    points.push(`not ok ${++n} - ${description(`${e.file}:${e.line} spec error`)}`, '  ---', '  severity: error', ...yamlField('message', e.message), '  ...');
  }
  for (const { c, b } of countedBlocks(report.cases)) {
    const name = description(`${b.id} ${c.title}`);
    if (b.status === 'passed') points.push(`ok ${++n} - ${name}`);
    else if (b.status === 'skipped') points.push(`ok ${++n} - ${name} # SKIP ${description(b.message ?? '')}`);
    else {
      points.push(`not ok ${++n} - ${name}`, '  ---', `  severity: ${b.status === 'failed' ? 'fail' : 'error'}`);
      if (b.message) points.push(...yamlField('message', b.message));
      if (b.diff) points.push(...yamlField('diff', b.diff));
      points.push('  ...');
    }
  }
  return ['TAP version 14', `1..${n}`, ...points, ''].join('\n');
}
