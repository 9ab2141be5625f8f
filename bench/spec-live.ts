// Part of npm run bench:spec: the live loop on a warm machine, per target (sandbox, vm).
//
//  - dev server (`npm run dev -- --spec`), measured in Chromium: a page with a one-command
//    case is open; each round saves a new version of the case (Date.now() just before the
//    write) and the page records, with a MutationObserver, when the case first shows
//    "running..." and when its new result is in place. Targets: save -> running < 100 ms;
//    save -> verdict < 1 s on the sandbox, < 2 s on the VM.
//  - `npm run spec -- --watch` (watchSpec in this process): save -> the case's result line.
//  - the peer: the same one-case page through a cold `runSpec` (boot, run, shut down), which
//    is what a contributor paid per try before the warm pool.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startDevServer } from '../generator/site/serve/dev-server.ts';
import { runSpec } from '../generator/spec/run.ts';
import { watchSpec } from '../generator/spec/watch.ts';

const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 7);
const TARGETS = { sandbox: { running: 100, verdict: 1000 }, vm: { running: 100, verdict: 2000 } } as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pageText = (word: string) => `---\ntitle: Live\norder: 0\n---\n\n## Echo\n\n\`\`\`console\n$ echo ${word}\n${word}\n\`\`\`\n`;

interface LiveNumbers {
  running: number[];
  verdict: number[];
}

async function devServerRounds(target: string, dir: string): Promise<LiveNumbers> {
  const content = join(dir, 'content');
  const file = join(content, 'index.md');
  writeFileSync(file, pageText('w0'));
  const server = await startDevServer({
    contentDir: content,
    cacheDir: null,
    reportDir: join(dir, '.spec'),
    port: 0,
    spec: { target, dependencyDirs: [], log: () => {} },
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const numbers: LiveNumbers = { running: [], verdict: [] };
  try {
    const tab = await browser.newPage();
    await tab.goto(server.url);
    await tab.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('/@onix-live.js')));
    await tab.waitForTimeout(500);
    await tab.evaluate(() => {
      const w = window as unknown as { marks: { running?: number; verdict?: number; word: string } };
      w.marks = { word: '' };
      new MutationObserver(() => {
        const m = w.marks;
        if (m.running === undefined && document.querySelector('.spec-status.spec-running')) m.running = Date.now();
        const done = document.querySelector('p.case-result.spec-passed, p.case-result.spec-failed');
        if (m.verdict === undefined && done && document.querySelector('figure.transcript')?.textContent?.includes(m.word)) m.verdict = Date.now();
      }).observe(document.body, { subtree: true, childList: true });
    });
    // Round 0 boots the machine; it is not counted.
    for (let r = 0; r <= ROUNDS; r++) {
      const word = `w${r + 1}`;
      await tab.evaluate((w) => {
        (window as unknown as { marks: object }).marks = { word: w };
      }, word);
      const saved = Date.now();
      writeFileSync(file, pageText(word));
      await tab.waitForFunction(() => (window as unknown as { marks: { verdict?: number } }).marks.verdict !== undefined, null, { timeout: 600_000 });
      const marks = await tab.evaluate(() => (window as unknown as { marks: { running?: number; verdict: number } }).marks);
      if (r === 0) continue;
      numbers.running.push((marks.running ?? marks.verdict) - saved);
      numbers.verdict.push(marks.verdict - saved);
      await new Promise((res) => setTimeout(res, 300));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return numbers;
}

async function watchRounds(target: string, dir: string): Promise<number[]> {
  const file = join(dir, 'watch.md');
  writeFileSync(file, pageText('v0'));
  const stop = new AbortController();
  let waiting: ((line: string) => void) | null = null;
  const nextResult = () =>
    new Promise<string>((r) => {
      waiting = r;
    });
  const first = nextResult();
  const done = watchSpec({
    cwd: dir,
    files: ['watch.md'],
    target,
    outDir: join(dir, '.spec-watch'),
    dependencyDirs: [],
    signal: stop.signal,
    write: (line) => {
      if (/^[✓✗] /.test(line) && waiting) {
        const w = waiting;
        waiting = null;
        w(line);
      }
    },
  });
  await first;
  const verdict: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const result = nextResult();
    const saved = performance.now();
    writeFileSync(file, pageText(`v${r + 1}`));
    await result;
    verdict.push(performance.now() - saved);
    await new Promise((res) => setTimeout(res, 300));
  }
  stop.abort();
  await done;
  return verdict;
}

async function coldRun(target: string, dir: string): Promise<number> {
  writeFileSync(join(dir, 'cold.md'), pageText('cold'));
  const t0 = performance.now();
  const r = await runSpec({ cwd: dir, files: ['cold.md'], target, outDir: join(dir, '.spec-cold') });
  if (r.exitCode !== 0) throw new Error(`the cold run on ${target} did not pass`);
  return performance.now() - t0;
}

/** Run the live benchmarks; true when every target was met. */
export async function benchLive(targets: Array<keyof typeof TARGETS> = ['sandbox', 'vm']): Promise<boolean> {
  let met = true;
  const fmt = (n: number) => `${Math.round(n)}`.padStart(6);
  for (const target of targets) {
    const dir = mkdtempSync(join(tmpdir(), 'onix-bench-live-'));
    try {
      mkdirSync(join(dir, 'content'));
      const dev = await devServerRounds(target, dir);
      const watch = await watchRounds(target, dir);
      const cold = await coldRun(target, dir);
      const want = TARGETS[target];
      const running = median(dev.running);
      const verdict = median(dev.verdict);
      console.log(`live loop on ${target}, one-command case, ${ROUNDS} saves, medians (ms):`);
      console.log(
        `  dev --spec: save -> "running..." on the page ${fmt(running)}   (target < ${want.running})   all: ${dev.running.map(Math.round).join(' ')}`,
      );
      console.log(`  dev --spec: save -> verdict on the page     ${fmt(verdict)}   (target < ${want.verdict})   all: ${dev.verdict.map(Math.round).join(' ')}`);
      console.log(`  spec --watch: save -> result line           ${fmt(median(watch))}   all: ${watch.map(Math.round).join(' ')}`);
      console.log(`  peer: a cold npm run spec of the page       ${fmt(cold)}   ratio cold / warm verdict ${(cold / verdict).toFixed(1)}x`);
      if (running >= want.running || verdict >= want.verdict) met = false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return met;
}

if (process.argv[1]?.endsWith('spec-live.ts')) {
  const only = process.argv.slice(2).filter((a) => a === 'sandbox' || a === 'vm') as Array<keyof typeof TARGETS>;
  process.exitCode = (await benchLive(only.length ? only : undefined)) ? 0 : 1;
}
