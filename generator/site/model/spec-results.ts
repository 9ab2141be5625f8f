// What the site shows of a spec report: per executable block its status, the machine it ran
// on and when, and the values its `{{name}}` captures observed. The report's types are the
// runner's (generator/spec/report-types.ts); this module only indexes them for rendering.

import { join } from 'node:path';
import GithubSlugger from 'github-slugger';
import type { MachineIdentity } from '../../../onix/machine/machine.ts';
import type { BlockReport, CaseReport, SpecReport } from '../../spec/report-types.ts';
import { DEFAULT_REPORT_DIR } from '../../spec/report-types.ts';
import type { ShownLine } from '../../spec/spans.ts';

/** A block's result as a reader sees it. */
export interface BlockResult {
  /** `running`: only in the dev server with --spec, while its case runs after a save. */
  status: 'passed' | 'failed' | 'not-run' | 'running';
  /** Why a block is "not run" (no report, stale page, skipped); empty otherwise. */
  note: string;
  /** e.g. "vm · fstx 12", empty when not run. */
  machine: string;
  /** YYYY-MM-DD of the run, empty when not run. */
  date: string;
  captures: Record<string, string>;
  /** What each command printed, by the source line of its `$ ` line (passed blocks only). */
  commands: Record<number, { status: number; shown?: ShownLine[] }>;
  /** A failed block's unified diff, expected against observed (absent otherwise). */
  diff?: string;
}

/** A case's result as a reader sees it under the case's heading. */
export interface CaseResult {
  /** `running`: only in the dev server with --spec, while the case runs after a save. */
  status: 'passed' | 'failed' | 'not-run' | 'running';
  /** Why it failed or did not run; empty when it passed. */
  note: string;
  /** The machine in words ("the ONIX test VM"), empty when not run. */
  machine: string;
  /** Short image id ("0f095cb"), empty when the machine has none. */
  image: string;
  date: string;
  durationMs: number;
  reboots: number;
}

/** The results a page shows, summed up for the top of the page. */
export interface PageTally {
  /** False when the report does not cover this version of the page. */
  fresh: boolean;
  /** Why not fresh (no report, page changed, not in the run). */
  note: string;
  procedures: { passed: number; total: number };
  transcripts: { passed: number; total: number };
  contractRows: { passed: number; total: number };
  machine: string;
  image: string;
  date: string;
}

export interface SpecResults {
  /** Result of the block whose opening fence (or table row) is at `id` = `<file>:<line>`. */
  block(id: string, file: string, contentHash: string): BlockResult;
  /** Result of the case whose heading is at `id` = `<file>:<line>`, or null when no case starts there. */
  caseAt(id: string, file: string, contentHash: string): CaseResult | null;
  /** The results of a page's cases, summed up. */
  page(file: string, contentHash: string): PageTally;
  /**
   * The case whose heading has the id `fragment` on the page `file` (a link from another page to
   * a procedure), or null. Not run when that page changed since the run (known from the page
   * hashes given to indexSpecResults).
   */
  caseByAnchor(file: string, fragment: string): CaseResult | null;
  /** Artifact path relative to the report dir -> absolute path, when the report lists it. */
  artifact(path: string): string | null;
}

/** Index a report (or none) for rendering. `reportDir` resolves artifact paths. */
export function indexSpecResults(
  report: SpecReport | null | undefined,
  reportDir = DEFAULT_REPORT_DIR,
  pageHashes?: Readonly<Record<string, string>>,
): SpecResults {
  const blocks = new Map<string, { block: BlockReport; kase: CaseReport }>();
  const pageHash = new Map<string, string>();
  const artifacts = new Set<string>();
  if (report) {
    for (const p of report.pages) pageHash.set(p.file, p.contentHash);
    for (const c of report.cases) {
      for (const a of c.artifacts) artifacts.add(a);
      for (const b of c.blocks) blocks.set(b.id, { block: b, kase: c });
    }
  }
  const cases = new Map<string, CaseReport>();
  for (const c of report?.cases ?? []) cases.set(c.id, c);
  const machine = report ? machineInWords(report.machine) : '';
  const image = report ? shortImage(report.machine) : '';
  const date = report ? report.finishedAt.slice(0, 10) : '';
  const notRun = (note: string): BlockResult => ({ status: 'not-run', note, machine: '', date: '', captures: {}, commands: {} });
  /** Why a page's results cannot be shown, or null when the report covers this version of it. */
  const staleness = (file: string, contentHash: string): string | null => {
    if (!report) return 'no spec report yet';
    const hash = pageHash.get(file);
    if (hash === undefined) return 'not in the last spec run';
    if (hash !== contentHash) return 'page changed since the last spec run';
    return null;
  };

  const anchors = new Map<string, string>();
  for (const c of report?.cases ?? []) {
    if (c.blocks.some((b) => b.kind !== 'transcript')) continue;
    const slug = new GithubSlugger().slug(c.title);
    if (!anchors.has(`${c.file}#${slug}`)) anchors.set(`${c.file}#${slug}`, c.id);
  }

  const results: SpecResults = {
    caseByAnchor(file, fragment) {
      const id = anchors.get(`${file}#${fragment}`);
      if (!id) return null;
      return results.caseAt(id, file, pageHashes?.[file] ?? pageHash.get(file) ?? '');
    },
    caseAt(id, file, contentHash) {
      const kase = cases.get(id);
      if (!kase) return null;
      const stale = staleness(file, contentHash);
      const base = { machine, image, date, durationMs: kase.durationMs, reboots: kase.reboots };
      if (stale) return { ...base, status: 'not-run', note: stale, machine: '', image: '', date: '' };
      const caseMachine = kase.machine ? { ...base, machine: machineInWords(kase.machine), image: shortImage(kase.machine) } : base;
      if (kase.status === 'passed') return { ...caseMachine, status: 'passed', note: '' };
      if (kase.status === 'skipped') return { ...caseMachine, status: 'not-run', note: kase.blocks.find((b) => b.message)?.message ?? 'skipped' };
      const failing = kase.blocks.find((b) => b.status === 'failed' || b.status === 'error');
      return { ...caseMachine, status: 'failed', note: failing?.message ?? (failing ? `the block at line ${failing.line} printed something else` : '') };
    },
    page(file, contentHash) {
      const stale = staleness(file, contentHash);
      const tally: PageTally = {
        fresh: !stale,
        note: stale ?? '',
        procedures: { passed: 0, total: 0 },
        transcripts: { passed: 0, total: 0 },
        contractRows: { passed: 0, total: 0 },
        machine,
        image,
        date,
      };
      for (const c of report?.cases ?? []) {
        if (c.file !== file) continue;
        const ok = !stale && c.status === 'passed';
        if (c.blocks.every((b) => b.kind === 'transcript')) {
          tally.procedures.total++;
          if (ok) tally.procedures.passed++;
        }
        for (const b of c.blocks) {
          const into = b.kind === 'transcript' ? tally.transcripts : tally.contractRows;
          into.total++;
          if (!stale && b.status === 'passed') into.passed++;
        }
      }
      return tally;
    },
    block(id, file, contentHash) {
      const stale = staleness(file, contentHash);
      if (stale) return notRun(stale);
      const hit = blocks.get(id);
      if (!hit) return notRun('not in the last spec run');
      const { block, kase } = hit;
      // Captures bound in an earlier block of the same case are visible in later ones.
      const captures: Record<string, string> = {};
      for (const b of kase.blocks) Object.assign(captures, b.captures);
      Object.assign(captures, block.captures);
      if (block.status === 'passed') {
        const commands: BlockResult['commands'] = {};
        for (const c of block.commands) commands[c.line] = c.shown ? { status: c.status, shown: c.shown } : { status: c.status };
        return { status: 'passed', note: '', machine, date, captures, commands };
      }
      if (block.status === 'failed' || block.status === 'error')
        return { status: 'failed', note: block.message ?? '', machine, date, captures, commands: {}, ...(block.diff ? { diff: block.diff } : {}) };
      return { ...notRun(block.message ? `skipped: ${block.message}` : 'skipped'), captures };
    },
    artifact(path) {
      return artifacts.has(path) ? join(reportDir, path) : null;
    },
  };
  return results;
}

/** A machine as readers name it: "the ONIX test VM", "the namespace sandbox", "ssh root@box". */
export function machineInWords(m: MachineIdentity): string {
  if (m.target === 'vm') return 'the ONIX test VM';
  if (m.target === 'sandbox') return 'the ONIX test sandbox (a namespace, no kernel of its own)';
  if (m.target === 'local') return 'the build host (local target)';
  return m.host || m.target;
}

/** The first 7 characters of the machine's image id (like a short git commit), or "". */
export function shortImage(m: MachineIdentity): string {
  return m.imageId ? m.imageId.slice(0, 7) : '';
}
