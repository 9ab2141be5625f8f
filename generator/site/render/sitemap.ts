// sitemap.xml and robots.txt, as data turned into text (XML built from escaped parts).

import type { SiteConfig } from '../model/config.ts';
import { escapeXml } from '../../xml.ts';

export function renderSitemap(config: SiteConfig, entries: Array<{ url: string; lastmod: string | null }>): string {
  const urls = entries.map((e) => {
    const lastmod = e.lastmod ? `<lastmod>${escapeXml(e.lastmod)}</lastmod>` : '';
    return `  <url><loc>${escapeXml(config.origin + e.url)}</loc>${lastmod}</url>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`;
}

export function renderRobots(config: SiteConfig): string {
  return `User-agent: *\nAllow: /\n\nSitemap: ${config.origin}/sitemap.xml\n`;
}
