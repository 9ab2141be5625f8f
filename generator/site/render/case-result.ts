// The one line of results readers see under a case's heading, and the summary at the top of
// a spec page. What is true of the whole case (where it ran, when, how long, reboots) is said
// here once, instead of a badge on every block.

import { posix } from 'node:path';
import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import { decodeFragment } from '../model/routes.ts';
import { MACHINE_PAGE_URL, RUN_PAGE_URL } from '../model/proof-urls.ts';
import type { CaseResult, PageTally, SpecResults } from '../model/spec-results.ts';

/** "24 s", "1 min 05 s", "850 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "passed on the ONIX test VM · image 0f095cb · 2026-12-01 · 24 s · 2 reboots". */
export function renderCaseResult(r: CaseResult): Element {
  const cls = [`spec-${r.status}`];
  if (r.status === 'not-run') return h('p.case-result', { className: cls }, [h('span.spec-status', { className: cls }, `not run: ${r.note}`)]);
  if (r.status === 'running') return h('p.case-result', { className: cls }, [h('span.spec-status', { className: cls }, 'running...')]);
  const facts: Array<ElementContent | string> = [
    `${r.status} on `,
    h('a', { href: MACHINE_PAGE_URL }, r.machine),
    ...(r.image ? [` · image ${r.image}`] : []),
    ` · ${r.date} · ${duration(r.durationMs)}`,
    ...(r.reboots ? [` · ${plural(r.reboots, 'reboot')}`] : []),
  ];
  return h('p.case-result', { className: cls }, [
    h('span.spec-status', { className: cls }, facts),
    ...(r.status === 'failed' && r.note ? [h('span.case-note', `: ${r.note}`)] : []),
  ]);
}

/** "7 of 7 procedures passed · 13 of 13 transcripts passed", linked to the run and the machine. */
export function renderPageTally(t: PageTally): Element | null {
  const parts: string[] = [];
  if (t.procedures.total) parts.push(`${t.procedures.passed} of ${plural(t.procedures.total, 'procedure')} passed`);
  if (t.transcripts.total) parts.push(`${t.transcripts.passed} of ${plural(t.transcripts.total, 'transcript')} passed`);
  if (t.contractRows.total) parts.push(`${t.contractRows.passed} of ${plural(t.contractRows.total, 'contract row')} passed`);
  const all = [t.procedures, t.transcripts, t.contractRows];
  const status = !t.fresh ? 'not-run' : all.every((x) => x.passed === x.total) ? 'passed' : 'failed';
  const cls = [`spec-${status}`];
  const headline: Array<ElementContent | string> =
    t.fresh && parts.length
      ? [h('strong', parts.join(' · ')), ` on `, h('a', { href: MACHINE_PAGE_URL }, t.machine), t.image ? `, image ${t.image}` : '', `, ${t.date}.`]
      : [h('strong', 'Not verified'), `: ${t.note || 'this page has no executable blocks in the last spec run'}.`];
  return h('div.spec-summary', { className: cls }, [
    h('p', [h('span.spec-status', { className: cls }, headline)]),
    h('p.spec-summary-links', [
      'The transcripts below are executable: ',
      h('a', { href: RUN_PAGE_URL }, 'see the run'),
      ' (commit, console logs, the report) and ',
      h('a', { href: MACHINE_PAGE_URL }, 'what the test machine is'),
      ' (and how it differs from a real ONIX machine).',
    ]),
  ]);
}

/** The case a Markdown link (`validation.md#2-machine-rollback`) points at, from the page `file`; null for other links. */
export function linkedCase(url: string, file: string, results: SpecResults): CaseResult | null {
  const m = /^([^:?#]*\.md)?#(.+)$/.exec(url);
  if (!m) return null;
  const target = m[1] ? posix.normalize(posix.join(posix.dirname(file), m[1])) : file;
  return results.caseByAnchor(target, decodeFragment(m[2]!));
}

/** "✓ passed 2026-12-01" after a link to a procedure. */
export function renderLinkedResult(r: CaseResult): Element {
  const text = r.status === 'not-run' ? `not run: ${r.note}` : r.status === 'running' ? 'running...' : `${r.status} ${r.date}`;
  return h('span.spec-status.proof-result', { className: [`spec-${r.status}`] }, text);
}
