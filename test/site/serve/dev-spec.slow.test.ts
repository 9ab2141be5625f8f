// `npm run dev -- --spec` end to end, in Chromium, on the sandbox: a save marks the changed
// case "running..." and then shows its result in place (a failure's diff beside the expected
// text, a pass's observed output), pushed over Vite's connection without a reload; the other
// cases of the page do not run again; the overlay lists the failing cases; a page open in
// another tab updates when its own case changes. Without --spec no machine is made.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type DevServer, startDevServer } from '../../../generator/site/serve/dev-server.ts';
import { ownerOf } from '../../../onix/owned-dirs.ts';
import { launchChromium } from '../chromium.ts';
import { page, tempSite } from '../helpers.ts';

const CASE = (title: string, command: string, expected: string) => `## ${title}\n\n\`\`\`console\n$ ${command}\n${expected}\n\`\`\`\n`;
const THREE = (two: string) => [CASE('One', 'echo one', 'one'), CASE('Two', 'echo two', two), CASE('Three', 'echo three', 'three')].join('\n');
const OTHER = (word: string) => CASE('Other', `echo ${word}`, word);

/** Machine working directories this process owns. */
async function myMachineDirs(): Promise<string[]> {
  const mine: string[] = [];
  for (const n of readdirSync(tmpdir()).filter((n) => n.startsWith('onix-sandbox-') || n.startsWith('onix-vm-')))
    if ((await ownerOf(join(tmpdir(), n)))?.pid === process.pid) mine.push(n);
  return mine;
}

let browser: Browser;

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** A tab on `url`, marked so that a reload would show (the mark would be gone), Vite's client connected. */
async function openTab(url: string): Promise<Page> {
  const tab = await browser.newPage();
  await tab.goto(url);
  await tab.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('/@onix-live.js')));
  await tab.waitForTimeout(500);
  await tab.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
  return tab;
}

const caseLine = (tab: Page, heading: string) => tab.locator(`h2:has-text("${heading}") + p.case-result`).textContent();

describe('dev server with --spec on the sandbox', { timeout: 300_000 }, () => {
  let server: DevServer;
  let content: string;
  const log: string[] = [];

  before(async () => {
    const dir = await tempSite({
      'content/index.md': page('Home', 'See [three](three.md) and [other](other.md).', 'order: 0\n'),
      'content/three.md': page('Three', THREE('two'), 'order: 1\n'),
      'content/other.md': page('Other', OTHER('alpha'), 'order: 2\n'),
    });
    content = join(dir, 'content');
    server = await startDevServer({
      contentDir: content,
      cacheDir: null,
      reportDir: join(dir, '.spec'),
      port: 0,
      spec: { target: 'sandbox', dependencyDirs: [], log: (l) => log.push(l) },
    });
  });
  after(async () => {
    await server?.close();
  });

  it('runs the cases a save changed and pushes each result into the open page without a reload', async () => {
    const tab = await openTab(`${server.url}three/`);
    // No report covers the cases: the start runs all three, without a save; wait until they passed.
    await tab.waitForFunction(() => document.querySelectorAll('p.case-result.spec-passed').length === 3, null, { timeout: 120_000 });
    const runs = () => log.filter((l) => /^[✓✗] \S*three\.md/.test(l)).length;
    const runsBefore = runs();
    assert.equal(runsBefore, 3);
    assert.ok(log.some((l) => /cases the last report does not cover run now on sandbox/.test(l)));

    // A wrong expectation for case Two: running, then failed with the diff beside the expected text.
    await tab.evaluate(() => {
      const w = window as unknown as { sawRunning: boolean };
      w.sawRunning = false;
      new MutationObserver(() => {
        if (document.querySelector('.spec-status.spec-running')) w.sawRunning = true;
      }).observe(document.body, { subtree: true, childList: true });
    });
    await writeFile(join(content, 'three.md'), page('Three', THREE('deux'), 'order: 1\n'));
    // A save shows "running" as soon as the watcher reports it; a loaded CI run (the VM spec beside it) once missed 10 s.
    await tab.waitForFunction(() => (window as unknown as { sawRunning: boolean }).sawRunning, null, { timeout: 30_000 });
    await tab.waitForSelector('figure.transcript[data-status="failed"]', { timeout: 30_000 });
    assert.match((await caseLine(tab, 'Two')) ?? '', /^failed on the ONIX test sandbox/);
    const diff = (await tab.locator('pre.spec-diff').textContent()) ?? '';
    assert.match(diff, /^-deux$/m);
    assert.match(diff, /^\+two$/m);
    assert.match((await caseLine(tab, 'One')) ?? '', /^passed/);
    assert.equal(runs(), runsBefore + 1, 'only the changed case ran');
    // The overlay lists the failing case.
    await tab.waitForSelector('vite-error-overlay', { state: 'attached', timeout: 10_000 });
    const overlay = await tab.evaluate(() => document.querySelector('vite-error-overlay')?.shadowRoot?.textContent ?? '');
    assert.match(overlay, /1 failing case on sandbox/);
    assert.match(overlay, /three\.md:\d+ {2}Two/);

    // The fix: the observed output replaces the expected text, the overlay goes.
    await writeFile(join(content, 'three.md'), page('Three', THREE('two'), 'order: 1\n'));
    await tab.waitForFunction(() => document.querySelectorAll('p.case-result.spec-passed').length === 3, null, { timeout: 30_000 });
    await tab.waitForSelector('vite-error-overlay', { state: 'detached', timeout: 10_000 });
    assert.equal(await tab.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');
    await tab.close();
  });

  it('updates a changed case of another open page too', async () => {
    const three = await openTab(`${server.url}three/`);
    const other = await openTab(`${server.url}other/`);
    await writeFile(join(content, 'other.md'), page('Other', OTHER('beta'), 'order: 2\n'));
    await other.waitForFunction(
      () =>
        document.querySelector('p.case-result')?.classList.contains('spec-passed') &&
        document.querySelector('figure.transcript')?.textContent?.includes('beta'),
      null,
      { timeout: 60_000 },
    );
    assert.equal(await other.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
    assert.equal(await three.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
    await Promise.all([three.close(), other.close()]);
  });

  it('shuts its machine down on close', async () => {
    assert.ok((await myMachineDirs()).length > 0, 'a sandbox ran');
    await server.close();
    assert.deepEqual(await myMachineDirs(), []);
  });
});

describe('dev server without --spec', () => {
  it('makes no machine and serves no live script, even after a save', async () => {
    const before = await myMachineDirs();
    const dir = await tempSite({ 'content/index.md': page('Home', CASE('One', 'echo one', 'one'), 'order: 0\n') });
    const server = await startDevServer({ contentDir: join(dir, 'content'), cacheDir: null, reportDir: join(dir, '.spec'), port: 0 });
    try {
      assert.equal(server.spec, null);
      const html = await (await fetch(server.url)).text();
      assert.equal(html.includes('/@onix-live.js'), false);
      await writeFile(join(dir, 'content/index.md'), page('Home', CASE('One', 'echo one', 'uno'), 'order: 0\n'));
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(await myMachineDirs(), before);
    } finally {
      await server.close();
    }
  });
});
