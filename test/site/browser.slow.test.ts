// The built site in Debian's Chromium: every page loads cleanly (no console error, failed
// request or Content-Security-Policy violation), the policy holds, nav, theme toggle, copy
// buttons, no horizontal scrolling at 320 px, and an axe-core audit in both themes, desktop
// and mobile. Search, the mobile menu, tables, prev/next and cards: browser-features.slow.test.ts.
// Screenshots of the home page go to test-artifacts/site/.

import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { buildSite } from '../../generator/site/build/build.ts';
import { serveDir } from './static-server.ts';

const repo = join(import.meta.dirname, '../..');
const artifacts = join(repo, 'test-artifacts/site');
const axeSource = join(repo, 'node_modules/axe-core/axe.min.js');
/** Where the test serves axe-core beside the built pages (not a page of the site: not in its sitemap). */
const AXE_PATH = 'axe-core-for-tests.min.js';

let browser: Browser;
let server: { url: string; close(): Promise<void> };
let urls: string[] = [];

before(async () => {
  const out = await mkdtemp(join(tmpdir(), 'onix-browser-'));
  await buildSite({ contentDir: join(repo, 'content'), outDir: out, cacheDir: null, rootDir: repo });
  // Served beside the pages, so Chromium keeps its compiled code between pages: injected from a
  // file it was parsed again on every page (4.6 against 2.9 s per 10 pages, measured).
  await copyFile(axeSource, join(out, AXE_PATH));
  server = await serveDir(out);
  const sitemap = await readFile(join(out, 'sitemap.xml'), 'utf8');
  urls = [...sitemap.matchAll(/<loc>https:\/\/onix-os\.com(\/[^<]*)<\/loc>/g)].map((m) => m[1]!);
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Reports each Content-Security-Policy violation in the page to the test (see watchedPage). */
const reportViolations = `document.addEventListener('securitypolicyviolation', (e) => window.onixCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`;

/** A page that records console errors, failed requests and CSP violations. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  await page.exposeBinding('onixCspViolation', (_source, text: string) => {
    problems.push(`CSP violation: ${text}`);
  });
  await page.addInitScript(reportViolations);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The browser fetches a page's icon on its own and drops the fetch when a click leaves the page first.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && /\/favicon[^/]*$/.test(r.url())) return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { page, problems };
}

test('every page loads with no console errors or failed requests, and fits 320 px', async () => {
  assert.ok(urls.length >= 6, `sitemap lists ${urls.length} pages`);
  for (const width of [1280, 320]) {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const { page, problems } = await watchedPage(context);
    for (const url of urls) {
      const response = await page.goto(server.url + url, { waitUntil: 'networkidle' });
      assert.equal(response?.status(), 200, url);
      assert.ok((await page.locator('h1').count()) === 1, `${url}: one h1`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${url} at ${width}px scrolls sideways by ${overflow}px`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the Content-Security-Policy holds: an inline script or a javascript: URL slipped into a page does not run', async () => {
  const context = await browser.newContext();
  const { page, problems } = await watchedPage(context);
  await page.goto(`${server.url}/cli/`, { waitUntil: 'networkidle' });
  assert.match(
    (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '',
    /script-src 'self' 'sha256-[^']+' 'wasm-unsafe-eval'/,
  );
  // The inline theme bootstrap is allowed by its hash: a remembered theme applies before paint.
  await page.evaluate(() => localStorage.setItem('onix-theme', 'dark'));
  await page.reload({ waitUntil: 'networkidle' });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(problems.length, 0, problems.join('\n'));
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.onixInjected = true';
    document.body.append(s);
    const a = document.createElement('a');
    a.href = 'javascript:window.onixInjected = true';
    document.body.append(a);
    a.click();
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => (window as unknown as { onixInjected?: boolean }).onixInjected ?? false), false);
  assert.ok(problems.filter((p) => p.startsWith('CSP violation: script-src')).length >= 2, `two violations reported, got ${JSON.stringify(problems)}`);
  await context.close();
});

test('the 404 page is served for unknown paths', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${server.url}/no/such/page/`);
  assert.equal(response?.status(), 404);
  assert.equal(await page.locator('h1').textContent(), 'Page not found');
  await context.close();
});

test('nav links go to their pages and mark the current one', async () => {
  const context = await browser.newContext();
  const { page, problems } = await watchedPage(context);
  await page.goto(`${server.url}/`);
  const links = await page.locator('.site-nav a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href')!, label: a.textContent! })));
  assert.ok(links.length >= 6);
  for (const link of links) {
    await page.locator('.site-nav a', { hasText: link.label }).first().click();
    await page.waitForURL(server.url + link.href);
    assert.equal(await page.locator('.site-nav a[aria-current="page"]').textContent(), link.label);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the theme toggle cycles system, light, dark; the choice is remembered across reloads and pages; system follows the OS', async () => {
  const context = await browser.newContext({ colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? 'system');
  const stored = () => page.evaluate(() => localStorage.getItem('onix-theme'));
  const light = await bg();
  assert.equal(light, 'rgb(245, 242, 237)');
  const toggle = page.locator('.theme-toggle');
  assert.equal(await toggle.isVisible(), true);
  assert.match((await toggle.getAttribute('aria-label'))!, /^Theme: system \(light\)\. Press for light\.$/);
  await toggle.click();
  assert.deepEqual([await theme(), await stored(), await bg()], ['light', 'light', light]);
  await toggle.click();
  assert.deepEqual([await theme(), await stored()], ['dark', 'dark']);
  assert.notEqual(await bg(), light);
  assert.match((await toggle.getAttribute('aria-label'))!, /^Theme: dark\. Press for system\.$/);
  await page.reload();
  assert.equal(await theme(), 'dark', 'applied before first paint by the head script');
  await page.goto(`${server.url}/cli/`);
  assert.notEqual(await bg(), light);
  await page.locator('.theme-toggle').click();
  assert.deepEqual([await theme(), await stored()], ['system', null], 'back to following the system');
  await page.reload();
  assert.equal(await bg(), light);
  await context.close();

  const dark = await browser.newContext({ colorScheme: 'dark' });
  const darkPage = await dark.newPage();
  await darkPage.goto(`${server.url}/`);
  assert.equal(await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(19, 23, 28)');
  await dark.close();
});

test('copy buttons copy: a transcript gives its commands only', async () => {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  await page.goto(`${server.url}/cli/`);
  const button = page.locator('figure.transcript .copy-button').first();
  await button.click();
  await page.waitForFunction(() => document.querySelector('figure.transcript .copy-button')?.textContent === 'Copied');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'onix status');
  await page.goto(`${server.url}/`);
  await page.locator('figure[data-lang="sh"] .copy-button').click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^bash \.ci\/setup && npm run build {3}# set up, verify/);
  await context.close();
});

test('pages work without JavaScript: content shows, no toggle, no search box, no copy buttons', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${server.url}/cli/`);
  assert.equal(await page.locator('.theme-toggle').isVisible(), false);
  assert.equal(await page.locator('.site-search').isVisible(), false);
  assert.equal(await page.locator('.site-nav').isVisible(), true, 'the nav is there at 1280 px');
  assert.equal(await page.locator('.copy-button').count(), 0);
  assert.match((await page.locator('figure.transcript').first().textContent()) ?? '', /onix status/);
  await context.close();
});

/**
 * Runs in the page (as source text: the test's own compiled functions carry helpers the page
 * lacks). axe cannot measure contrast over the paper's grid (a CSS gradient), so contrast is
 * measured once, with the decorative grid off, where every text node must be measurable; the
 * other rules run first, on the page as it is.
 */
const axeAudit = `(async () => {
  const show = (v) => v.id + ': ' + (v.help || 'could not be checked') + ' (' + v.nodes.map((n) => JSON.stringify(n.target)).join(', ') + ')';
  const all = (await axe.run({ rules: { 'color-contrast': { enabled: false } } })).violations.map(show);
  document.body.style.backgroundImage = 'none';
  const contrast = await axe.run(document, { runOnly: ['color-contrast'] });
  return [...all, ...contrast.violations.map(show), ...contrast.incomplete.map(show)];
})()`;

test('axe-core finds no accessibility violations, light and dark, desktop and mobile (menu open too)', async () => {
  const violations: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      // axe-core is injected as an inline script, which the pages' policy rightly refuses.
      const context = await browser.newContext({ colorScheme, viewport: { width, height: 844 }, bypassCSP: true });
      const page = await context.newPage();
      for (const url of [...urls, '/404.html']) {
        // The page as its scripts leave it at load; late requests are the first test's business.
        await page.goto(server.url + url, { waitUntil: 'load' });
        if (width === 390 && url === '/') await page.locator('.menu-button').click();
        await page.addScriptTag({ url: `${server.url}/${AXE_PATH}` });
        const result = (await page.evaluate(axeAudit)) as string[];
        for (const v of result) violations.push(`${colorScheme} ${width}px ${url}: ${v}`);
      }
      await context.close();
    }
  }
  assert.deepEqual(violations, []);
});

test('screenshots of the home page: light and dark, desktop and mobile', async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['mobile', { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ colorScheme, viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.screenshot({ path: join(artifacts, `home-${colorScheme}-${name}.png`), fullPage: true });
      for (const other of ['cli', 'contract']) {
        await page.goto(`${server.url}/${other}/`);
        await page.screenshot({ path: join(artifacts, `${other}-${colorScheme}-${name}.png`), fullPage: true });
      }
      await context.close();
    }
  }
  await readFile(join(artifacts, 'home-dark-mobile.png'));
});
