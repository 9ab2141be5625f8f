// Outcomes → what a contributor reads in the terminal: one line per case, and
// for a failure the page:line of each command with a coloured unified diff.
// The last line is always summaryLine (counts.ts): `N passed, N failed, N errors`.

import pc from 'picocolors';
import type { CaseOutcome } from '../outcome.ts';
import type { SpecError } from '../types.ts';

type Colors = ReturnType<typeof pc.createColors>;

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`;
}

/** Diff lines shown per command in the terminal; the report has them all. */
export const MAX_DIFF_LINES = 120;

function colorDiff(diff: string, c: Colors, indent: string): string {
  const all = diff.split('\n');
  const shown = all.length > MAX_DIFF_LINES ? all.slice(0, MAX_DIFF_LINES) : all;
  const more = all.length - shown.length;
  return (
    shown.map((l) => indent + (l.startsWith('@@') ? c.cyan(l) : l.startsWith('-') ? c.red(l) : l.startsWith('+') ? c.green(l) : c.dim(l))).join('\n') +
    (more ? `\n${indent}${c.dim(`... ${more} more diff lines in the report`)}` : '')
  );
}

function skippedReason(o: CaseOutcome): string {
  return [...new Set(o.blocks.map((b) => b.message).filter(Boolean))].join('; ') || 'skip option';
}

/** One case: a status line, and for a failure or error the details. */
export function renderCase(o: CaseOutcome, color: boolean): string {
  const c = pc.createColors(color);
  const where = `${o.spec.id}`;
  const n = o.blocks.length;
  const head = `${where}  ${o.spec.title}`;
  const meta = c.dim(`(${n} block${n === 1 ? '' : 's'}, ${ms(o.durationMs)})`);
  if (o.status === 'passed') return `${c.green('✓')} ${head}  ${meta}`;
  if (o.status === 'skipped') return `${c.yellow('-')} ${head}  ${c.yellow(`skipped: ${o.message ?? skippedReason(o)}`)}`;
  const mark = o.status === 'failed' ? c.red('✗') : c.magenta('!');
  const lines = [`${mark} ${c.bold(head)}  ${meta}`];
  for (const b of o.blocks) {
    if (b.status === 'passed' || b.status === 'skipped') continue;
    if (b.block.kind === 'contract-row') {
      lines.push(`    ${c.bold(`${b.block.id}`)}  ${b.block.surface}: ${b.message ?? b.status}`);
      for (const cmd of b.commands) if (cmd.diff) lines.push(`      ${c.dim(`$ ${cmd.observation!.command}`)}`, colorDiff(cmd.diff, c, '      '));
      continue;
    }
    if (b.commands.length === 0 && b.message) {
      lines.push(`    ${b.block.id}  ${c.magenta(b.message)}`);
      continue;
    }
    for (const cmd of b.commands) {
      if (cmd.status === 'passed') continue;
      if (cmd.status === 'not-run') {
        lines.push(`    ${c.dim(`${b.block.file}:${cmd.spec.line}  $ ${cmd.spec.command.split('\n')[0]}  (${cmd.message ?? 'not run'})`)}`);
        continue;
      }
      const label = `${b.block.file}:${cmd.spec.line}`;
      lines.push(`    ${c.bold(label)}  ${c.dim('$')} ${cmd.spec.command.split('\n').join(`\n${' '.repeat(label.length + 6)}> `)}`);
      if (cmd.message) lines.push(`      ${c.magenta(cmd.message)}`);
      if (cmd.diff) lines.push(colorDiff(cmd.diff, c, '      '));
      const captures = Object.entries(cmd.captures);
      if (cmd.diff && captures.length) lines.push(`      ${c.dim(`captures: ${captures.map(([k, v]) => `{{${k}}} = ${JSON.stringify(v)}`).join(', ')}`)}`);
    }
  }
  if (o.consoleLog) lines.push(`    ${c.dim('console log saved with the report')}`);
  return lines.join('\n');
}

export function renderSpecErrors(errors: SpecError[], color: boolean): string {
  const c = pc.createColors(color);
  return errors.map((e) => `${c.magenta('spec error')} ${c.bold(`${e.file}:${e.line}`)}: ${e.detail}`).join('\n');
}
