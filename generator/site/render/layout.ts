// The page around the content, as hast: head (canonical URL, description, Open Graph and
// Twitter meta with the page's social card, favicons, the theme bootstrap), a sticky header
// with logo, nav (behind a menu button on small screens, a checkbox so it works without
// JS), search box and theme toggle (both shown by site.js: without JS they are absent, not
// broken), the article with its table of contents and previous/next links, and a footer
// with the edit link and the date of the page's last commit.

import type { ElementContent, Root } from 'hast';
import { h } from 'hastscript';
import type { SiteConfig } from '../model/config.ts';
import { policyMeta } from './csp.ts';
import { CARD_HEIGHT, CARD_WIDTH, cardFileForUrl } from './social-card.ts';

export interface NavItem {
  url: string;
  label: string;
}

export interface AssetUrls {
  css: string;
  js: string;
  logo: string;
  favicon: string;
  faviconPng: string;
  touchIcon: string;
  /** The search index's script, or null where the site has none (the dev server): then no search box. */
  search: string | null;
}

export interface LayoutSite {
  config: SiteConfig;
  nav: NavItem[];
  assets: AssetUrls;
  /** Last commit date (YYYY-MM-DD) of a content path relative to content/, if committed. */
  lastUpdated(rel: string): string | null;
}

export interface LayoutPage {
  title: string;
  description: string;
  url: string;
  kicker: string;
  /** Content path relative to content/, or null for generated pages (404). */
  rel: string | null;
  toc: Array<{ id: string; text: string; depth: number }>;
  body: ElementContent[];
  /** Keep the page out of search engines and the site search, with no canonical URL (the 404 page). (default: false) */
  noindex?: boolean;
}

/** Headings a page needs before it gets a table of contents. */
const TOC_MIN_HEADINGS = 3;

/**
 * Runs before first paint: applies the remembered theme so a reload never flashes the
 * other one. Without a remembered choice the CSS follows prefers-color-scheme.
 */
const themeBootstrap = `try{var t=localStorage.getItem('onix-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

export function renderLayout(site: LayoutSite, page: LayoutPage): Root {
  const { config } = site;
  const canonical = config.origin + page.url;
  const isHome = page.url === '/';
  const fullTitle = isHome ? `${config.name}: ${page.kicker || page.title}` : `${page.title} · ${config.name}`;
  const updated = page.rel ? site.lastUpdated(page.rel) : null;
  const showToc = page.toc.length >= TOC_MIN_HEADINGS;
  const card = `${config.origin}/${cardFileForUrl(page.noindex ? '/' : page.url)}`;

  const head = h('head', [
    h('meta', { charSet: 'utf-8' }),
    policyMeta({ inlineScripts: [themeBootstrap] }),
    h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
    h('title', fullTitle),
    page.description ? h('meta', { name: 'description', content: page.description }) : null,
    page.noindex ? h('meta', { name: 'robots', content: 'noindex' }) : h('link', { rel: 'canonical', href: canonical }),
    h('meta', { name: 'color-scheme', content: 'light dark' }),
    h('meta', { name: 'theme-color', content: '#f5f2ed', media: '(prefers-color-scheme: light)' }),
    h('meta', { name: 'theme-color', content: '#14181d', media: '(prefers-color-scheme: dark)' }),
    h('meta', { property: 'og:type', content: isHome ? 'website' : 'article' }),
    h('meta', { property: 'og:site_name', content: config.name }),
    h('meta', { property: 'og:title', content: page.title }),
    page.description ? h('meta', { property: 'og:description', content: page.description }) : null,
    page.noindex ? null : h('meta', { property: 'og:url', content: canonical }),
    h('meta', { property: 'og:image', content: card }),
    h('meta', { property: 'og:image:type', content: 'image/png' }),
    h('meta', { property: 'og:image:width', content: String(CARD_WIDTH) }),
    h('meta', { property: 'og:image:height', content: String(CARD_HEIGHT) }),
    h('meta', { property: 'og:image:alt', content: `${config.name}: ${page.title}` }),
    h('meta', { name: 'twitter:card', content: 'summary_large_image' }),
    h('meta', { name: 'twitter:title', content: page.title }),
    page.description ? h('meta', { name: 'twitter:description', content: page.description }) : null,
    h('meta', { name: 'twitter:image', content: card }),
    h('link', { rel: 'icon', href: site.assets.favicon, type: 'image/svg+xml' }),
    h('link', { rel: 'icon', href: site.assets.faviconPng, type: 'image/png', sizes: '32x32' }),
    h('link', { rel: 'apple-touch-icon', href: site.assets.touchIcon }),
    h('link', { rel: 'stylesheet', href: site.assets.css }),
    h('script', themeBootstrap),
    h('script', { src: site.assets.js, defer: true }),
  ]);

  const nav = h('nav.site-nav#site-nav', { ariaLabel: 'Site' }, [
    h(
      'ul',
      site.nav.map((item) => h('li', [h('a', { href: item.url, ariaCurrent: item.url === page.url ? 'page' : undefined }, item.label)])),
    ),
  ]);

  const header = h('header.site-header', [
    h('div.site-header-inner', [
      h('a.brand', { href: '/' }, [h('img.brand-logo', { src: site.assets.logo, alt: '', width: 28, height: 28 }), h('span.brand-name', config.name)]),
      // Small screens: the nav folds behind this checkbox; its label is the menu button.
      h('input.menu-toggle#menu-toggle', { type: 'checkbox', ariaControls: 'site-nav' }),
      h('label.menu-button', { htmlFor: 'menu-toggle' }, [h('span.menu-icon', { ariaHidden: 'true' }), h('span.menu-label', 'Menu')]),
      nav,
      site.assets.search ? searchBox(site.assets.search) : null,
      h('button.theme-toggle', { type: 'button', hidden: true, ariaLabel: 'Theme: system' }, [h('span.theme-icon', { ariaHidden: 'true' })]),
    ]),
  ]);

  const toc = showToc
    ? h('nav.toc', { ariaLabelledBy: 'toc-title' }, [
        h('p.toc-title#toc-title', 'On this page'),
        h(
          'ol',
          page.toc.map((t) => h('li', { className: [`toc-depth-${t.depth}`] }, [h('a', { href: `#${t.id}` }, t.text)])),
        ),
      ])
    : null;

  // Only content pages are searched: the generated ones (404, the run, the test machine) change
  // with every report, and the search index is cached by the content pages' keys.
  const article = h('article.content', { dataPagefindBody: page.rel === null || page.noindex ? undefined : '' }, [
    h('header.page-head', [
      page.kicker ? h('p.kicker', page.kicker) : null,
      h('h1', page.title),
      page.description && !isHome ? h('p.lead', page.description) : null,
    ]),
    ...page.body,
  ]);

  const footer = h('footer.site-footer', [
    h('div.site-footer-inner', [
      page.rel
        ? h('p.page-meta', [
            h('a', { href: `https://github.com/${config.repo}/edit/${config.branch}/${config.contentPathInRepo}/${page.rel}` }, 'Edit this page'),
            updated ? [' · Last updated ', h('time', { dateTime: updated }, updated)] : null,
          ])
        : null,
      h('p.colophon', [
        'Built from Markdown in ',
        h('a', { href: `https://github.com/${config.repo}` }, config.repo),
        '. Each console transcript shows the result of its last spec run.',
      ]),
    ]),
  ]);

  const main = h('div.page', { className: showToc ? ['has-toc'] : [] }, [toc, h('main#main', [article, pager(site.nav, page.url)])]);

  return {
    type: 'root',
    children: [
      { type: 'doctype' },
      h('html', { lang: 'en' }, [
        head,
        h('body', { className: isHome ? ['home'] : undefined }, [h('a.skip-link', { href: '#main' }, 'Skip to content'), header, main, footer]),
      ]),
    ],
  };
}

/**
 * The search box, hidden until site.js has loaded the search index's script (`bundle`): a search field, then
 * the results as a list of links (arrows move between them, Enter follows one) and a live
 * status line.
 */
function searchBox(bundle: string): ElementContent {
  return h('div.site-search', { role: 'search', hidden: true, dataBundle: bundle }, [
    h('label.visually-hidden', { htmlFor: 'search-input' }, 'Search the site'),
    h('input.search-input#search-input', {
      type: 'search',
      placeholder: 'Search',
      autoComplete: 'off',
      spellCheck: 'false',
      ariaKeyShortcuts: '/',
      ariaControls: 'search-results',
      ariaDescribedBy: 'search-status',
    }),
    h('kbd.search-key', { ariaHidden: 'true' }, '/'),
    h('div.search-panel', { hidden: true }, [
      h('p.search-status#search-status', { role: 'status' }),
      h('ul.search-results#search-results', { ariaLabel: 'Search results' }),
    ]),
  ]);
}

/** Links to the pages before and after `url` in the nav; nothing for a page not in it. */
function pager(nav: NavItem[], url: string): ElementContent | null {
  const at = nav.findIndex((item) => item.url === url);
  if (at === -1) return null;
  const prev = nav[at - 1];
  const next = nav[at + 1];
  if (!prev && !next) return null;
  const link = (item: NavItem, rel: 'prev' | 'next') =>
    h(`a.pager-${rel}`, { href: item.url, rel }, [h('span.pager-dir', rel === 'prev' ? 'Previous' : 'Next'), h('span.pager-title', item.label)]);
  return h('nav.pager', { ariaLabel: 'Previous and next page' }, [prev ? link(prev, 'prev') : null, next ? link(next, 'next') : null]);
}
