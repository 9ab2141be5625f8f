// What readers of a docs site reach for, in Debian's Chromium on the built site: search
// (mouse and keyboard only), the small-screen menu with and without JavaScript, the sticky
// one-row header, tables that scroll at 390 px with nothing clipped, code headers on one
// line, prev/next in nav order, the TOC marking the section in view, and social cards.

import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { buildSite } from '../../generator/site/build/build.ts';
import { serveDir } from './static-server.ts';

const repo = join(import.meta.dirname, '../..');

let browser: Browser;
let server: { url: string; close(): Promise<void> };
let out: string;

before(async () => {
  out = await mkdtemp(join(tmpdir(), 'onix-features-'));
  await buildSite({ contentDir: join(repo, 'content'), outDir: out, cacheDir: null, rootDir: repo });
  server = await serveDir(out);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(url: string, options: { width?: number; javaScript?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 844 }, javaScriptEnabled: options.javaScript ?? true });
  const page = await context.newPage();
  await page.goto(server.url + url, { waitUntil: 'networkidle' });
  return page;
}

/** Hrefs of the search results shown now (after they appear). */
async function results(page: Page): Promise<string[]> {
  await page.locator('.search-results a').first().waitFor();
  return page.locator('.search-results a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
}

test('search finds "ripgrep" and goes to the validation procedure that installs it', async () => {
  const page = await open('/');
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.locator('.search-input').waitFor({ state: 'visible' });
  await page.locator('.search-input').fill('ripgrep');
  const found = await results(page);
  assert.match(found[0]!, /^\/validation\/#1-profiles-survive-a-reboot$/, found.join(' '));
  assert.match((await page.locator('.search-results a').first().textContent())!, /Validation.*Profiles survive a reboot.*ripgrep/s);
  assert.match((await page.locator('.search-results mark').first().textContent())!, /ripgrep/);
  await page.locator('.search-results a').first().click();
  await page.waitForURL(`${server.url}/validation/#1-profiles-survive-a-reboot`);
  assert.deepEqual(problems, [], 'Pagefind and its worker load without errors or warnings');
  await page.context().close();
});

test('transcripts are indexed as text: "nix store gc" finds the procedure that runs it', async () => {
  const page = await open('/cli/');
  await page.locator('.search-input').fill('nix store gc');
  const found = await results(page);
  assert.ok(found.includes('/validation/#3-both-garbage-collectors-back-to-back'), found.join(' '));
  await page.context().close();
});

test('search with the keyboard only: / focuses, arrows move, Enter follows, Escape closes', async () => {
  const page = await open('/contract/');
  await page.locator('.search-input').waitFor({ state: 'visible' });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-input');
  await page.keyboard.type('rollback');
  const found = await results(page);
  assert.ok(found.length >= 2, found.join(' '));
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), found[0]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), found[1]);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-input', 'up from the first result returns to the field');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.search-panel').isVisible(), false);
  await page.keyboard.type('ripgrep');
  await results(page);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/validation/#1-profiles-survive-a-reboot`);
  await page.context().close();
});

for (const javaScript of [true, false]) {
  test(`the mobile menu opens and closes ${javaScript ? 'with' : 'without'} JavaScript; the header stays on screen`, async () => {
    const page = await open('/validation/', { width: 390, javaScript });
    const nav = page.locator('.site-nav');
    assert.equal(await nav.isVisible(), false, 'folded at 390 px');
    await page.locator('.menu-button').click();
    assert.equal(await nav.isVisible(), true);
    await page.locator('.menu-button').click();
    assert.equal(await nav.isVisible(), false);
    // Keyboard: the checkbox behind the button takes focus and Space.
    await page.locator('#menu-toggle').focus();
    await page.keyboard.press('Space');
    assert.equal(await nav.isVisible(), true);
    await page.keyboard.press(javaScript ? 'Escape' : 'Space');
    assert.equal(await nav.isVisible(), false, javaScript ? 'Escape closes it' : 'Space again closes it');
    // Sticky: at the bottom of the longest page the header (and the menu) is still on screen.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const top = await page.locator('.site-header').evaluate((e) => e.getBoundingClientRect().top);
    assert.equal(top, 0);
    const height = await page.locator('.site-header').evaluate((e) => e.getBoundingClientRect().height);
    assert.ok(height <= 60, `compact header: ${height}px`);
    await page.context().close();
  });
}

test('the nav stays on one row wherever it is shown', async () => {
  for (const width of [1280, 1024, 840]) {
    const page = await open('/', { width });
    const row = await page.evaluate(() => {
      const items = [...document.querySelectorAll('.site-nav li')].map((li) => li.getBoundingClientRect().top);
      const inner = document.querySelector('.site-header-inner')!;
      return { tops: new Set(items).size, overflow: inner.scrollWidth - inner.clientWidth, visible: document.querySelector('.site-nav')!.checkVisibility() };
    });
    assert.deepEqual(row, { tops: 1, overflow: 0, visible: true }, `${width}px`);
    await page.context().close();
  }
});

test('the contract table at 390 px scrolls sideways in its box, says so, and clips nothing', async () => {
  const page = await open('/contract/', { width: 390 });
  const box = page.locator('.table-scroll.contract');
  await page.exposeFunction('edgeShadows', edgeShadows);
  const m = await box.evaluate(async (el) => {
    const cells = [...el.querySelectorAll('th, td')];
    return {
      scrolls: el.scrollWidth > el.clientWidth,
      overflowX: getComputedStyle(el).overflowX,
      // An inset shadow at the right edge shows there is more; none at the left yet.
      shadow: await (window as unknown as { edgeShadows: typeof edgeShadows }).edgeShadows(getComputedStyle(el).boxShadow),
      clipped: cells.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent),
      firstColumnWraps: getComputedStyle(el.querySelector('td:first-child code')!).overflowWrap,
      // No word of the Reason column broken, and no name of a path (between its slashes and
      // hyphens, where it may break): every cell is at least as wide as its longest word.
      brokenWords: [...el.querySelectorAll('td:first-child, td:last-child')]
        .filter((td) => {
          const range = document.createRange();
          return td.textContent!.split(td.matches(':first-child') ? /[\s/-]+/ : /\s+/).some((word) => {
            const probe = document.createElement('span');
            probe.textContent = word;
            probe.style.whiteSpace = 'nowrap';
            td.appendChild(probe);
            range.selectNodeContents(probe);
            const wide = range.getBoundingClientRect().width > td.clientWidth;
            probe.remove();
            return wide;
          });
        })
        .map((td) => td.textContent),
    };
  });
  assert.deepEqual(m, { scrolls: true, overflowX: 'auto', shadow: 'right', clipped: [], firstColumnWraps: 'normal', brokenWords: [] });
  // Scrolled to the end, the last column is fully inside the box and the shadow moved left.
  const edges = await box.evaluate(async (el) => {
    el.scrollLeft = el.scrollWidth;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const last = el.querySelector('tr td:last-child')!.getBoundingClientRect();
    return { cell: Math.round(last.right), box: Math.round(el.getBoundingClientRect().right), shadow: getComputedStyle(el).boxShadow };
  });
  assert.ok(edges.cell <= edges.box, JSON.stringify(edges));
  assert.equal(edgeShadows(edges.shadow), 'left');
  // At 1280 px the table fits: no shadow at all.
  const wide = await open('/contract/');
  assert.equal(
    await wide.locator('.table-scroll.contract').evaluate((el) => [el.scrollWidth > el.clientWidth, getComputedStyle(el).boxShadow].join()),
    'false,none',
  );
  await wide.context().close();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'the page itself does not scroll sideways');
  await page.context().close();
});

/** Which edges of a scroll box a computed box-shadow darkens: inset shadows with x < 0 are on the right. */
function edgeShadows(boxShadow: string): string {
  const sides = boxShadow.split(/,(?![^(]*\))/).map((shadow) => {
    const x = Number(/(-?[\d.]+)px -?[\d.]+px/.exec(shadow)?.[1] ?? 0);
    return x < 0 ? 'right' : x > 0 ? 'left' : null;
  });
  return sides.filter(Boolean).join(',') || 'none';
}

test('code-block headers stay on one line at 390 px ("Copy" beside the status)', async () => {
  const page = await open('/validation/', { width: 390 });
  const wrapped = await page.locator('.code-head').evaluateAll(
    (heads) =>
      heads.filter((h) => {
        const tops = [...h.children]
          .filter((c) => !c.classList.contains('visually-hidden'))
          .map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2));
        return new Set(tops).size > 1;
      }).length,
  );
  assert.equal((await page.locator('.copy-button').count()) > 0, true);
  assert.equal(wrapped, 0);
  await page.context().close();
});

test('Home at 390 px has no gap where its hidden TOC would be', async () => {
  const page = await open('/', { width: 390 });
  const gap = await page.evaluate(() => {
    const main = document.querySelector('main')!.getBoundingClientRect().top;
    const pageEl = document.querySelector('.page')!;
    return Math.round(main - pageEl.getBoundingClientRect().top - parseFloat(getComputedStyle(pageEl).paddingTop));
  });
  assert.equal(gap, 0);
  await page.context().close();
});

test('prev/next links walk the nav in order, both ways', async () => {
  const page = await open('/');
  const nav = await page.locator('.site-nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
  const forward = [new URL(page.url()).pathname];
  while (await page.locator('.pager-next').count()) {
    const href = (await page.locator('.pager-next').getAttribute('href'))!;
    await Promise.all([page.waitForURL(server.url + href), page.locator('.pager-next').click()]);
    forward.push(new URL(page.url()).pathname);
  }
  assert.deepEqual(forward, nav);
  const back = [new URL(page.url()).pathname];
  while (await page.locator('.pager-prev').count()) {
    const href = (await page.locator('.pager-prev').getAttribute('href'))!;
    await Promise.all([page.waitForURL(server.url + href), page.locator('.pager-prev').click()]);
    back.push(new URL(page.url()).pathname);
  }
  assert.deepEqual(back, [...nav].reverse());
  await page.context().close();
});

test('the table of contents marks the section in view', async () => {
  const page = await open('/validation/');
  const current = () => page.locator('.toc a[aria-current="location"]').getAttribute('href');
  await page.evaluate(() => document.getElementById('3-both-garbage-collectors-back-to-back')!.scrollIntoView());
  await page.waitForFunction(
    () => document.querySelector('.toc a[aria-current="location"]')?.getAttribute('href') === '#3-both-garbage-collectors-back-to-back',
  );
  await page.evaluate(() => document.getElementById('1-profiles-survive-a-reboot')!.scrollIntoView());
  await page.waitForFunction(() => document.querySelector('.toc a[aria-current="location"]')?.getAttribute('href') === '#1-profiles-survive-a-reboot');
  assert.equal(await current(), '#1-profiles-survive-a-reboot');
  await page.context().close();
});

test("every page's og:image is a 1200x630 PNG that exists; the 404 page is noindex without canonical", async () => {
  const sitemap = await readFile(join(out, 'sitemap.xml'), 'utf8');
  const urls = [...sitemap.matchAll(/<loc>https:\/\/onix-os\.com(\/[^<]*)<\/loc>/g)].map((m) => m[1]!);
  const page = await open('/');
  for (const url of urls) {
    await page.goto(server.url + url);
    const image = (await page.locator('meta[property="og:image"]').getAttribute('content'))!;
    assert.equal(await page.locator('meta[name="twitter:card"]').getAttribute('content'), 'summary_large_image');
    assert.match(image, /^https:\/\/onix-os\.com\/og\/.+\.png$/);
    const response = await page.request.get(server.url + new URL(image).pathname);
    assert.equal(response.status(), 200, image);
    const png = await response.body();
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', image);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1200, 630], image);
  }
  await page.goto(`${server.url}/404.html`);
  assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'noindex');
  assert.equal(await page.locator('link[rel="canonical"], meta[property="og:url"]').count(), 0);
  await page.context().close();
});
