// `npm run dev -- --spec`: the dev server runs what a save changed. It keeps a LiveSpec on a
// warm MachinePool (generator/spec/live.ts, onix/machine/pool.ts: the same the CLI's --watch
// uses), starts from the last report on disk for cases whose text it covers, runs the others
// at start, and on each save of a page runs again only the cases whose text changed. The page shows them "running..."
// at once and each result as it comes, rendered by the site's own renderer; `push` tells the
// browser which pages to swap in (vite-plugin.ts sends them over Vite's connection).
// A change under onix/ (the onix sources, the image's inputs) runs every case on a new machine.

import { join } from 'node:path';
import { colors as pc, terminalColor } from '../../terminal-colors.ts';
import { testImage } from '../../../onix/image/provider.ts';
import type { MachineMaker } from '../../../onix/machine/pool.ts';
import { MachinePool } from '../../../onix/machine/pool.ts';
import { createMachine } from '../../../onix/machine/targets.ts';
import { REPO_ROOT } from '../../../onix/repo-root.ts';
import { LiveSpec } from '../../spec/live.ts';
import { renderCase } from '../../spec/render/terminal.ts';
import { loadReport } from '../../spec/report.ts';
import type { SpecCase } from '../../spec/types.ts';
import { FileWatcher } from '../../spec/watch-files.ts';
import type { DevSite } from './dev-site.ts';
import { withRunning } from './live-results.ts';
import { indexSpecResults } from '../model/spec-results.ts';

/** A failing case as the error overlay lists it. */
export interface FailingCase {
  id: string;
  title: string;
  url: string;
  message: string;
}

export interface DevSpecOptions {
  /** Machine target (default: "sandbox"). */
  target?: string;
  /** (default: createMachine with the test image) */
  createMachine?: MachineMaker;
  onProgress?: (line: string) => void;
  /** Folders whose changes run every case again on a new machine (default: the repository's onix/; [] for none). */
  dependencyDirs?: string[];
  /** Terminal lines (default: console.log). */
  log?: (line: string) => void;
}

export interface DevSpecEvents {
  /** These pages' HTML changed (running, a result): swap them in where they are open. */
  pages(urls: string[]): void;
  /** The failing cases across all pages, after every result. */
  failures(cases: FailingCase[]): void;
}

export class DevSpec {
  private watcher: FileWatcher | null = null;

  private constructor(
    private readonly dev: DevSite,
    private readonly pool: MachinePool,
    private readonly live: LiveSpec,
    private readonly events: DevSpecEvents,
    private readonly log: (line: string) => void,
  ) {}

  /** Take the site's pages and the last report, boot the machine and run what the report does not cover. */
  static async start(dev: DevSite, events: DevSpecEvents, options: DevSpecOptions = {}): Promise<DevSpec> {
    const target = options.target ?? 'sandbox';
    const onProgress = options.onProgress;
    const make = options.createMachine ?? ((name: string) => createMachine(name, { image: testImage, vm: { onProgress }, sandbox: { onProgress } }));
    const pool = new MachinePool({ target, create: make, warm: true });
    await pool.open();
    const live = new LiveSpec({ pool });
    for (const s of dev.model.pages.values()) live.setPage(s.page);
    live.seed(await loadReport(dev.reportDir).catch(() => null));
    const spec = new DevSpec(dev, pool, live, events, options.log ?? ((line) => console.log(line)));
    if (pool.note) spec.log(`dev: ${pool.note}`);
    spec.show();
    // Boot now, in the background, so that the first save waits for its case, not for a boot;
    // then run what the last report does not cover (new cases, or changed since it was made),
    // so every case on the pages has a verdict without a save.
    pool
      .run('(boot)', async () => {})
      .then(
        (r) => r.cancelled || spec.log(pc.dim(`spec: ${target} is up and waits for a save`)),
        (error: Error) => spec.log(pc.red(`spec: ${target} did not boot: ${error.message.split('\n')[0]}`)),
      );
    spec.runUncovered();
    const deps = options.dependencyDirs ?? [join(REPO_ROOT, 'onix')];
    if (deps.length)
      spec.watcher = await FileWatcher.start({
        files: [],
        dependencyDirs: deps,
        onPages: () => {},
        onDependencies: (files) => spec.dependenciesChanged(files),
      });
    return spec;
  }

  /** The target the cases run on. */
  get target(): string {
    return this.pool.target;
  }

  /** A page was saved (DevSite.fileChanged has taken it): mark its changed cases running and run them. */
  pageChanged(abs: string): void {
    const summary = this.dev.model.pages.get(abs);
    if (!summary) {
      for (const f of this.live.files) if (!this.dev.summaryOf(f)) this.live.removePage(f);
      this.show();
      return;
    }
    const change = this.live.setPage(summary.page);
    if (change.changed.length)
      this.log(pc.dim(`spec: ${summary.page.file}: ${change.changed.length} of ${change.cases.length} cases to run on ${this.pool.target}`));
    for (const c of change.changed) void this.runCase(c);
    this.show([summary.url]);
  }

  private runUncovered(): void {
    const cases = this.live.withoutResult();
    if (cases.length === 0) return;
    this.log(pc.dim(`spec: ${cases.length} case${cases.length === 1 ? '' : 's'} the last report does not cover run now on ${this.pool.target}`));
    for (const c of cases) void this.runCase(c);
    this.show([...new Set(cases.map((c) => this.dev.summaryOf(c.file)?.url).filter((u): u is string => !!u))]);
  }

  private dependenciesChanged(files: string[]): void {
    this.log(pc.dim(`spec: ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''} changed: every case runs again on a new machine`));
    this.pool.recycle();
    this.live.forgetResults();
    const cases = this.live.allCases();
    for (const c of cases) void this.runCase(c);
    this.show([...new Set(cases.map((c) => this.dev.summaryOf(c.file)?.url).filter((u): u is string => !!u))]);
  }

  private async runCase(c: SpecCase): Promise<void> {
    const outcome = await this.live.run(c);
    if (!outcome) return; // a newer save of the case replaced this run
    this.log(renderCase(outcome, terminalColor));
    const url = this.dev.summaryOf(c.file)?.url;
    this.show(url ? [url] : []);
  }

  /** Put the live results into the site and tell the browser which pages changed. */
  private show(urls: string[] = []): void {
    const report = this.live.report();
    this.dev.setResults(withRunning(indexSpecResults(report, this.dev.reportDir), this.live.running()));
    if (urls.length) this.events.pages(urls);
    const failing: FailingCase[] = report.cases
      .filter((c) => c.status === 'failed' || c.status === 'error')
      .map((c) => {
        const block = c.blocks.find((b) => b.status === c.status);
        return {
          id: c.id,
          title: c.title,
          url: this.dev.summaryOf(c.file)?.url ?? '',
          message: block?.message ?? (block ? `the block at line ${block.line} printed something else` : 'failed'),
        };
      });
    this.events.failures(failing);
  }

  /** Stop watching and shut the machines down. */
  async close(): Promise<void> {
    this.watcher?.close();
    for (const problem of await this.pool.close()) this.log(`spec: ${problem}`);
  }
}
