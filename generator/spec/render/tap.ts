// A SpecReport → TAP version 13: one test point per block, diagnostics as YAML.

import type { SpecReport } from '../report-types.ts';

function yamlBlock(key: string, text: string): string[] {
  return [`  ${key}: |-`, ...text.split('\n').map((l) => `    ${l}`)];
}

export function renderTap(report: SpecReport): string {
  const points: string[] = [];
  let n = 0;
  for (const e of report.specErrors ?? []) {
    points.push(`not ok ${++n} - ${e.file}:${e.line} spec error`, '  ---', ...yamlBlock('message', e.message), '  ...');
  }
  for (const c of report.cases) {
    for (const b of c.blocks) {
      const name = `${b.id} ${c.title}`.replace(/#/g, '\\#');
      if (b.status === 'passed') points.push(`ok ${++n} - ${name}`);
      else if (b.status === 'skipped') points.push(`ok ${++n} - ${name} # SKIP ${b.message ?? ''}`);
      else {
        points.push(`not ok ${++n} - ${name}`, '  ---', `  severity: ${b.status === 'failed' ? 'fail' : 'error'}`);
        if (b.message) points.push(...yamlBlock('message', b.message));
        if (b.diff) points.push(...yamlBlock('diff', b.diff));
        points.push('  ...');
      }
    }
  }
  return ['TAP version 13', `1..${n}`, ...points, ''].join('\n');
}
