// The spec kept live while pages are edited: what `npm run spec -- --watch` and `npm run dev --
// --spec` share. It holds the watched pages' cases and the last result of each case text
// (by caseHash), runs on a warm MachinePool only the cases whose text has no result yet, and
// hands out the whole watched set as one SpecReport (the shape the site renders and the
// terminal counts), each result moved to where its case now starts.
//
// Stages as in a normal run: extract (extract.ts), execute (execute.ts on the pool's
// machine), validate (inside execute), report (caseReport from render/json.ts).

import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MachineIdentity } from '../../onix/machine/machine.ts';
import type { MachinePool } from '../../onix/machine/pool.ts';
import type { ParsedPage } from '../content/parse.ts';
import { caseHash, shiftCaseReport } from './case-hash.ts';
import { countReport } from './counts.ts';
import { executeCase, uniformOutcome } from './execute.ts';
import { extractPage } from './extract.ts';
import type { CaseOutcome } from './outcome.ts';
import { caseReport } from './render/json.ts';
import { type CaseReport, REPORT_VERSION, type SpecReport } from './report-types.ts';
import type { ExtractedPage, SpecCase } from './types.ts';

export interface LiveSpecOptions {
  /** Warm machines the cases run on (watch mode makes one with `warm: true`). */
  pool: MachinePool;
  /** Extra environment for every session (default: none). */
  env?: Record<string, string>;
  /** Git commit the live report names (default: null). */
  commit?: string | null;
}

/** What a page change asks for. */
export interface PageChange {
  /** Cases whose text has no result yet (new or changed), in page order. */
  changed: SpecCase[];
  /** Every case of the page now. */
  cases: SpecCase[];
}

interface LivePage {
  page: ParsedPage;
  extracted: ExtractedPage;
  hashes: Map<string, string>;
}

export class LiveSpec {
  private readonly pages = new Map<string, LivePage>();
  /** Last result of each case text, by caseHash. */
  private readonly results = new Map<string, CaseReport>();
  /** Case ids queued or running, with the hash of the text being run. */
  private readonly inFlight = new Map<string, string>();
  /** The machine of the report results were seeded from, named until the pool's own machine boots. */
  private seededMachine: MachineIdentity | null = null;
  private startedAt = new Date();
  private finishedAt = new Date();

  constructor(private readonly options: LiveSpecOptions) {}

  /** Add a page or take its new version; says which cases need a run. */
  setPage(page: ParsedPage): PageChange {
    const extracted = extractPage(page);
    const hashes = new Map(extracted.cases.map((c) => [c.id, caseHash(c)]));
    this.pages.set(page.file, { page, extracted, hashes });
    const changed = extracted.cases.filter((c) => !this.results.has(hashes.get(c.id)!) && this.inFlight.get(c.id) !== hashes.get(c.id));
    return { changed, cases: extracted.cases };
  }

  /** A page was deleted (or left the watched set). */
  removePage(file: string): void {
    const live = this.pages.get(file);
    if (!live) return;
    this.pages.delete(file);
    for (const c of live.extracted.cases) this.options.pool.cancel(c.id);
  }

  /** The watched pages' names. */
  get files(): string[] {
    return [...this.pages.keys()].sort();
  }

  /** Every case of every watched page. */
  allCases(): SpecCase[] {
    return this.files.flatMap((f) => this.pages.get(f)!.extracted.cases);
  }

  /** Take results from an earlier report for the cases of pages it covers as they are now. */
  seed(report: SpecReport | null): void {
    if (!report) return;
    this.seededMachine = report.machine;
    const byId = new Map(report.cases.map((c) => [c.id, c]));
    for (const p of report.pages) {
      const live = this.pages.get(p.file);
      if (!live || live.page.contentHash !== p.contentHash) continue;
      for (const c of live.extracted.cases) {
        const r = byId.get(c.id);
        if (r && !r.specError) this.results.set(live.hashes.get(c.id)!, r);
      }
    }
  }

  /** The cases with no result (new, or changed since the seeded report) that are not queued or running. */
  withoutResult(): SpecCase[] {
    return this.allCases().filter((c) => {
      const hash = this.pages.get(c.file)!.hashes.get(c.id)!;
      return !this.results.has(hash) && this.inFlight.get(c.id) !== hash;
    });
  }

  /** Forget every result (what the cases depend on changed): the next run covers all of them. */
  forgetResults(): void {
    this.results.clear();
  }

  /** The cases queued or running, and their blocks, by id (`<file>:<line>` as the pages are now). */
  running(): { cases: Set<string>; blocks: Set<string> } {
    const cases = new Set<string>();
    const blocks = new Set<string>();
    for (const [id, hash] of this.inFlight) {
      const c = this.caseById(id);
      if (!c || this.pages.get(c.file)?.hashes.get(id) !== hash) continue;
      cases.add(id);
      for (const b of c.blocks) blocks.add(b.id);
    }
    return { cases, blocks };
  }

  private caseById(id: string): SpecCase | undefined {
    const file = id.slice(0, id.lastIndexOf(':'));
    return this.pages.get(file)?.extracted.cases.find((c) => c.id === id);
  }

  /**
   * Run `c` on the pool (replacing an older run of the case). Resolves with its outcome, or
   * null when a newer run of the case or the end of the watch cancelled it.
   */
  async run(c: SpecCase): Promise<CaseOutcome | null> {
    const live = this.pages.get(c.file);
    const hash = live?.hashes.get(c.id) ?? caseHash(c);
    this.inFlight.set(c.id, hash);
    let outcome: CaseOutcome | null;
    const target = this.options.pool.target;
    if (live?.extracted.brokenCases.has(c.id)) outcome = uniformOutcome(c, 'error', 'not run: the case has a spec error');
    else {
      try {
        const r = await this.options.pool.run(c.id, (machine, signal) => executeCase(c, machine, target, this.options.env, signal));
        outcome = r.cancelled ? null : r.value;
      } catch (error) {
        outcome = uniformOutcome(c, 'error', `could not run: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    if (this.inFlight.get(c.id) === hash) this.inFlight.delete(c.id);
    if (!outcome) return null;
    // Artifacts are for a full run's report; a live run drops its copies (and so does not list them).
    for (const host of new Set([...(outcome.artifacts?.values() ?? [])].map((p) => dirname(p)))) await rm(host, { recursive: true, force: true });
    delete outcome.artifacts;
    this.results.set(hash, caseReport(outcome, undefined, live?.extracted.brokenCases.has(c.id) ?? false));
    this.finishedAt = new Date();
    return outcome;
  }

  /** The whole watched set as a report: every page now, each case's last result where its text has one. */
  report(): SpecReport {
    const pages = this.files.map((f) => this.pages.get(f)!);
    const cases: CaseReport[] = [];
    for (const live of pages) {
      for (const c of live.extracted.cases) {
        const r = this.results.get(live.hashes.get(c.id)!);
        if (r) cases.push(shiftCaseReport(r, c.line));
      }
    }
    const specErrors = pages.flatMap((p) => p.extracted.errors.map((e) => ({ file: e.file, line: e.line, message: e.detail })));
    const machine: MachineIdentity = this.options.pool.identity ??
      this.seededMachine ?? { target: this.options.pool.target, imageId: null, fstx: null, host: 'not started' };
    return {
      version: REPORT_VERSION,
      startedAt: this.startedAt.toISOString(),
      finishedAt: this.finishedAt.toISOString(),
      machine,
      commit: this.options.commit ?? null,
      shard: null,
      pages: pages.map((p) => ({ file: p.page.file, contentHash: p.page.contentHash })),
      cases,
      totals: countReport({ cases, specErrors }),
      specErrors,
    };
  }

  /** The page of a watched file, as last set. */
  page(file: string): ParsedPage | null {
    return this.pages.get(file)?.page ?? null;
  }

  /** Start a new round of runs (the report's startedAt). */
  markStart(): void {
    this.startedAt = new Date();
  }
}
