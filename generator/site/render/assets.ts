// The site's own static files (generator/site/assets/): CSS and script get content-hashed
// names so browsers may cache them forever; logo and favicons keep stable names. The PNG
// favicon and the apple-touch-icon are drawn from favicon.svg / logo.svg (social-card.ts).

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AssetUrls } from './layout.ts';
import { renderPng, touchIconSvg } from './social-card.ts';

export interface SiteAssets {
  urls: AssetUrls;
  /** Output path (relative to dist/) -> bytes. */
  files: Map<string, Buffer>;
}

function hashed(name: string, data: Buffer): string {
  const dot = name.lastIndexOf('.');
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 10);
  return `${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
}

export async function loadSiteAssets(): Promise<SiteAssets> {
  const read = (name: string) => readFile(new URL(`../assets/${name}`, import.meta.url));
  const [css, js, logo, favicon] = await Promise.all([read('style.css'), read('site.js'), read('logo.svg'), read('favicon.svg')]);
  const cssPath = `assets/${hashed('style.css', css)}`;
  const jsPath = `assets/${hashed('site.js', js)}`;
  const files = new Map<string, Buffer>([
    [cssPath, css],
    [jsPath, js],
    ['assets/logo.svg', logo],
    ['favicon.svg', favicon],
    ['favicon-32.png', renderPng(favicon.toString('utf8'), 32)],
    ['apple-touch-icon.png', renderPng(touchIconSvg(logo.toString('utf8')))],
  ]);
  return {
    urls: {
      css: `/${cssPath}`,
      js: `/${jsPath}`,
      logo: '/assets/logo.svg',
      favicon: '/favicon.svg',
      faviconPng: '/favicon-32.png',
      touchIcon: '/apple-touch-icon.png',
      search: null,
    },
    files,
  };
}
