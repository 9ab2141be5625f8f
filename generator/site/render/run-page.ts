// The run page (/spec/): the spec run that gated this build, from its report alone. It says
// which commit it proves, when and where it ran (target, host, image), every case with its
// result, duration and reboots, the machine's console log per case (collapsed: its last lines,
// and the whole log as a file), and the report to download (JSON and JUnit). Old runs are not
// kept: a build shows the report it was built from. Pure: report and page facts in, hast out.

import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { CaseReport, SpecReport } from '../../spec/report-types.ts';
import type { PageFacts } from '../model/analyze.ts';
import { duration } from './case-result.ts';
import { MACHINE_PAGE_URL, RUN_PAGE_URL } from '../model/proof-urls.ts';
import { stripAnsi } from '../../spec/normalize.ts';
import { machineInWords } from '../model/spec-results.ts';

/** Lines of each case's console log shown on the page; the whole log is a file beside it. */
export const CONSOLE_TAIL_LINES = 40;

export interface RunPageInput {
  report: SpecReport | null;
  /** Every page of the site, to link each case to its section. */
  pages: PageFacts[];
  /** Console log text by the report's path for it (`case.consoleLog`). */
  consoleLogs: ReadonlyMap<string, string>;
  /** sha256 of every page of this build by file, to say whether the run tested these very pages. */
  pageHashes: Readonly<Record<string, string>>;
}

/** Where the run page's downloads are published, relative to dist/. */
export const RUN_FILES = {
  json: `${RUN_PAGE_URL.slice(1)}report.json`,
  junit: `${RUN_PAGE_URL.slice(1)}junit.xml`,
  /** A console log's published path from its path in the report dir ("console/x.log"). */
  consoleLog: (path: string) => `${RUN_PAGE_URL.slice(1)}${path.replace(/^\/+/, '')}`,
};

export function renderRunPage(input: RunPageInput): { description: string; body: ElementContent[] } {
  const { report } = input;
  if (!report) {
    return {
      description: 'No spec report: this build was made without running the spec.',
      body: [
        h(
          'p',
          'This build was made without a spec report, so nothing on this site is verified: every executable block says "not run". Run ',
          h('code', 'npm run spec'),
          ' and build again.',
        ),
      ],
    };
  }
  // Counted from the cases (the report's totals also count spec errors, which are not blocks).
  const all = report.cases.flatMap((c) => c.blocks);
  const t = { passed: 0, failed: 0, skipped: 0, errors: 0 };
  for (const b of all) t[b.status === 'error' ? 'errors' : b.status]++;
  const blocks = all.length;
  const green = t.failed === 0 && t.errors === 0 && (report.specErrors?.length ?? 0) === 0;
  const casesPassed = report.cases.filter((c) => c.status === 'passed').length;
  const description = `${casesPassed} of ${report.cases.length} cases passed on ${machineInWords(report.machine)}, ${report.finishedAt.slice(0, 10)}.`;
  const facts: Array<[string, Array<ElementContent | string>]> = [
    ['Commit', report.commit ? [h('code', report.commit), ' (checked out when the spec wrote this report)'] : ['not in git']],
    ['Pages', pagesFact(report, input.pageHashes)],
    [
      'Result',
      [
        h(
          'span.spec-status',
          { className: [green ? 'spec-passed' : 'spec-failed'] },
          `${casesPassed} of ${report.cases.length} cases passed; ${t.passed} of ${blocks} blocks passed${t.failed ? `, ${t.failed} failed` : ''}${t.errors ? `, ${t.errors} could not run` : ''}${t.skipped ? `, ${t.skipped} skipped` : ''}`,
        ),
      ],
    ],
    ['Machine', [h('a', { href: MACHINE_PAGE_URL }, machineInWords(report.machine)), ` (target ${report.machine.target}, ${report.machine.host})`]],
    ['Image', [report.machine.imageId ? h('code', report.machine.imageId) : 'none (no image: the target is not a test machine)']],
    ['Started', [h('time', { dateTime: report.startedAt }, report.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))]],
    ['Finished', [h('time', { dateTime: report.finishedAt }, report.finishedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))]],
    [
      'Report',
      [h('a', { href: `/${RUN_FILES.json}`, download: '' }, 'report.json'), ' · ', h('a', { href: `/${RUN_FILES.junit}`, download: '' }, 'junit.xml')],
    ],
  ];
  if (report.filter) facts.push(['Filter', [`only cases matching "${report.filter}"`]]);
  if (report.shard) facts.push(['Shard', [report.shard]]);
  const body: ElementContent[] = [
    h(
      'p',
      'Every transcript, procedure and contract row on this site was run against a machine before this site was published. This page is that run, from its report; older runs are not kept.',
    ),
    h(
      'dl.run-facts',
      facts.flatMap(([k, v]) => [h('dt', k), h('dd', v)]),
    ),
    h('h2', { id: 'cases' }, 'Cases'),
    h('div.table-scroll', { tabIndex: 0, role: 'region', ariaLabel: 'Table: cases of the run' }, [
      h('table.run-cases', [
        h('thead', [h('tr', [h('th', 'Case'), h('th.wide', 'Result'), h('th.wide', 'Blocks'), h('th.wide', 'Time'), h('th.wide', 'Reboots')])]),
        h(
          'tbody',
          report.cases.map((c) => caseRow(c, input.pages)),
        ),
      ]),
    ]),
    h('h2', { id: 'console-logs' }, 'Console logs'),
    ...consoleLogs(report.cases, input.consoleLogs),
  ];
  return { description, body };
}

/** Whether the run tested exactly the pages of this build (by content hash). */
function pagesFact(report: SpecReport, current: Readonly<Record<string, string>>): Array<ElementContent | string> {
  const ran = new Map(report.pages.map((p) => [p.file, p.contentHash]));
  const withSpec = Object.keys(current).filter((f) => ran.has(f));
  const changed = withSpec.filter((f) => ran.get(f) !== current[f]);
  const missing = report.pages.filter((p) => !(p.file in current)).map((p) => p.file);
  if (changed.length === 0 && missing.length === 0)
    return [`the run tested exactly the ${withSpec.length} page${withSpec.length === 1 ? '' : 's'} of this build (same content hashes)`];
  return [h('span.spec-status.spec-failed', `changed since the run: ${[...changed, ...missing].join(', ')}`), ' (their blocks show "not run")'];
}

function caseRow(c: CaseReport, pages: PageFacts[]): Element {
  const page = pages.find((p) => p.file === c.file);
  const title = c.title.replace(/ \(contract\)$/, '');
  const heading = page?.headings.find((x) => x.text === title);
  const href = page ? `${page.url}${heading ? `#${heading.id}` : ''}` : null;
  const passedBlocks = c.blocks.filter((b) => b.status === 'passed').length;
  const status = c.status === 'passed' ? 'passed' : c.status === 'skipped' ? 'not-run' : 'failed';
  const result = c.status === 'error' ? 'could not run' : c.status === 'skipped' ? 'not run' : c.status;
  return h('tr', { className: ['spec-row', `spec-${status}`] }, [
    h('td', [
      href ? h('a', { href }, c.title) : c.title,
      h('br'),
      h('small', h('code', c.id)),
      // Narrow screens show the other columns' facts here (the columns are hidden there).
      h('small.run-case-facts', [
        h('br'),
        `${result} · ${passedBlocks} of ${c.blocks.length} blocks · ${duration(c.durationMs)} · ${c.reboots} reboot${c.reboots === 1 ? '' : 's'}`,
      ]),
    ]),
    h('td.wide', { className: ['run-result'] }, result),
    h('td.wide', `${passedBlocks} of ${c.blocks.length}`),
    h('td.wide', duration(c.durationMs)),
    h('td.wide', String(c.reboots)),
  ]);
}

function consoleLogs(cases: CaseReport[], logs: ReadonlyMap<string, string>): Element[] {
  const kept = cases.filter((c) => c.consoleLog && logs.has(c.consoleLog));
  if (kept.length === 0) return [h('p', 'Nothing in this run printed on a console (the machine has no serial console, or the report predates console logs).')];
  const missing = cases.filter((c) => !kept.includes(c));
  return [
    h(
      'p',
      `What each case's machine printed on its serial console (kernel, init, services): the last ${CONSOLE_TAIL_LINES} lines here, the whole log as a file.`,
    ),
    ...kept.map((c) => consoleLog(c, logs.get(c.consoleLog!)!)),
    ...(missing.length ? [h('p', `The machine printed nothing on its console during: ${missing.map((c) => c.title).join(', ')}.`)] : []),
  ];
}

function consoleLog(c: CaseReport, text: string): Element {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const tail = lines.slice(-CONSOLE_TAIL_LINES);
  return h('details.console-log', [
    h('summary', [h('strong', c.title), ` · ${lines.length} lines`]),
    h('p', [
      tail.length < lines.length ? `The last ${tail.length} lines; ` : '',
      h('a', { href: `/${RUN_FILES.consoleLog(c.consoleLog!)}` }, 'the whole log'),
      '.',
    ]),
    h('pre.code', { tabIndex: 0 }, [h('code', tail.map(stripControls).join('\n'))]),
  ]);
}

/** Console logs carry terminal escapes and stray control characters (carriage returns, bells); a page shows text. */
function stripControls(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return stripAnsi(line).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}
