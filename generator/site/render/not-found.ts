// The 404 page, written by the build and served by the dev server for unknown paths. It is
// kept out of search engines and the site search and has no canonical URL: it has no address
// of its own.

import type { SpecialPage } from './render-page.ts';
import { h } from 'hastscript';

export function notFoundPage(): SpecialPage {
  return {
    title: 'Page not found',
    // Shown as the lead under the title, so the body does not say it again.
    description: 'There is no page at this address.',
    url: '/404.html',
    body: [h('p', ['Start again from the ', h('a', { href: '/' }, 'home page'), '.'])],
    noindex: true,
  };
}
