// The page around the content, as hast: head (canonical URL, description, Open Graph and
// Twitter meta, favicon, the theme bootstrap), header with logo, nav and theme toggle,
// the article with its table of contents, and a footer with the edit link and the date of
// the page's last commit.

import type { ElementContent, Root } from 'hast';
import { h } from 'hastscript';
import type { SiteConfig } from './config.ts';
import { policyMeta } from './csp.ts';

export interface NavItem {
  url: string;
  label: string;
}

export interface AssetUrls {
  css: string;
  js: string;
  logo: string;
  favicon: string;
  ogImage: string;
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

  const head = h('head', [
    h('meta', { charSet: 'utf-8' }),
    policyMeta({ inlineScripts: [themeBootstrap] }),
    h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
    h('title', fullTitle),
    page.description ? h('meta', { name: 'description', content: page.description }) : null,
    h('link', { rel: 'canonical', href: canonical }),
    h('meta', { name: 'color-scheme', content: 'light dark' }),
    h('meta', { name: 'theme-color', content: '#f5f2ed', media: '(prefers-color-scheme: light)' }),
    h('meta', { name: 'theme-color', content: '#14181d', media: '(prefers-color-scheme: dark)' }),
    h('meta', { property: 'og:type', content: isHome ? 'website' : 'article' }),
    h('meta', { property: 'og:site_name', content: config.name }),
    h('meta', { property: 'og:title', content: page.title }),
    page.description ? h('meta', { property: 'og:description', content: page.description }) : null,
    h('meta', { property: 'og:url', content: canonical }),
    h('meta', { property: 'og:image', content: config.origin + site.assets.ogImage }),
    h('meta', { name: 'twitter:card', content: 'summary' }),
    h('meta', { name: 'twitter:title', content: page.title }),
    page.description ? h('meta', { name: 'twitter:description', content: page.description }) : null,
    h('link', { rel: 'icon', href: site.assets.favicon, type: 'image/svg+xml' }),
    h('link', { rel: 'stylesheet', href: site.assets.css }),
    h('script', themeBootstrap),
    h('script', { src: site.assets.js, defer: true }),
  ]);

  const nav = h('nav.site-nav', { ariaLabel: 'Site' }, [
    h('ul', site.nav.map((item) =>
      h('li', [h('a', { href: item.url, ariaCurrent: item.url === page.url ? 'page' : undefined }, item.label)]))),
  ]);

  const header = h('header.site-header', [
    h('div.site-header-inner', [
      h('a.brand', { href: '/' }, [h('img.brand-logo', { src: site.assets.logo, alt: '', width: 28, height: 28 }), h('span.brand-name', config.name)]),
      nav,
      h('button.theme-toggle', { type: 'button', hidden: true, ariaLabel: 'Dark theme', ariaPressed: 'false' }, [
        h('span.theme-icon', { ariaHidden: 'true' }),
      ]),
    ]),
  ]);

  const toc = showToc
    ? h('nav.toc', { ariaLabelledBy: 'toc-title' }, [
        h('p.toc-title#toc-title', 'On this page'),
        h('ol', page.toc.map((t) => h('li', { className: [`toc-depth-${t.depth}`] }, [h('a', { href: `#${t.id}` }, t.text)]))),
      ])
    : null;

  const article = h('article.content', [
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

  const main = h('div.page', { className: showToc ? ['has-toc'] : [] }, [
    toc,
    h('main#main', [article]),
  ]);

  return {
    type: 'root',
    children: [
      { type: 'doctype' },
      h('html', { lang: 'en' }, [
        head,
        h('body', { className: isHome ? ['home'] : undefined }, [
          h('a.skip-link', { href: '#main' }, 'Skip to content'),
          header,
          main,
          footer,
        ]),
      ]),
    ],
  };
}
