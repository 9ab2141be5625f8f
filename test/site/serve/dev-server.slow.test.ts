// `npm run dev` end to end in Chromium: a save reloads the open page with the new text; a
// mistake shows Vite's error overlay while the server keeps serving; fixing it clears it.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../chromium.ts';
import { startDevServer, type DevServer } from '../../../generator/site/serve/dev-server.ts';
import { page, tempSite } from '../helpers.ts';

let browser: Browser;
let server: DevServer;
let content: string;

before(async () => {
  const dir = await tempSite({
    'content/index.md': page('Home', 'First words.\n\nSee [guide](guide.md).', 'order: 0\n'),
    'content/guide.md': page('Guide', '## Setup\n\n```nix\n{ pkgs }: pkgs.hello\n```', 'order: 1\n'),
  });
  content = join(dir, 'content');
  server = await startDevServer({ contentDir: content, cacheDir: null, reportDir: join(dir, '.spec'), port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('saving a page reloads the browser; an error shows the overlay; a fix clears it', async () => {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  // The pages' Content-Security-Policy holds in the dev server too: Vite's client, its
  // overlay (styled under a nonce) and the problems script all run without a violation.
  tab.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
  });
  await tab.goto(server.url);
  assert.equal(await tab.locator('.content > p').first().textContent(), 'First words.');
  // Wait for Vite's client to connect before editing.
  await tab.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('/@vite/client')));
  await tab.waitForTimeout(500);

  await writeFile(join(content, 'index.md'), page('Home', 'Second words.\n\nSee [guide](guide.md).', 'order: 0\n'));
  await tab.waitForFunction(() => document.querySelector('.content > p')?.textContent === 'Second words.', null, { timeout: 15_000 });

  await writeFile(join(content, 'index.md'), page('Home', 'Broken: [gone](gone.md).', 'order: 0\n'));
  await tab.waitForSelector('vite-error-overlay', { state: 'attached', timeout: 15_000 });
  const message = await tab.evaluate(() => document.querySelector('vite-error-overlay')?.shadowRoot?.textContent ?? '');
  assert.match(message, /content\/index\.md:6: broken link "gone\.md": no page at \/gone\//);
  // The server keeps serving, and a fresh load still shows the problem.
  const other = await context.newPage();
  await other.goto(`${server.url}guide/`);
  assert.match((await other.locator('h1').textContent()) ?? '', /Guide/);
  await other.waitForSelector('vite-error-overlay', { state: 'attached', timeout: 15_000 });
  await other.close();

  await writeFile(join(content, 'index.md'), page('Home', 'Fixed words.', 'order: 0\n'));
  await tab.waitForFunction(() => document.querySelector('.content > p')?.textContent === 'Fixed words.', null, { timeout: 15_000 });
  assert.equal(await tab.locator('vite-error-overlay').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
