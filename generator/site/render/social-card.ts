// Social cards: the 1200x630 PNG that link previews (X, Facebook, LinkedIn, Slack) show for a
// page, drawn at build time from an SVG in the site's palette (paper, grid, logo, orange
// kicker, deep blue title) by resvg, a Rust SVG renderer with prebuilt Node binaries. Text
// is set in DejaVu, read from Debian's fonts-dejavu-core, so a card looks the same on every
// machine that builds it. The PNG icons (favicon, apple-touch-icon) come from the same renderer.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;

/** Debian's fonts-dejavu-core (listed in .ci/apt-packages.txt). */
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf', 'DejaVuSans.ttf'].map((f) => join(FONT_DIR, f));

/** The site's light palette (style.css :root). */
const PALETTE = { paper: '#f5f2ed', grid: '#4f6e91', ink: '#44494e', blue: '#2d425c', orange: '#e7590f', orangeText: '#ac3f06', rule: '#d9d3c8' };

export interface CardText {
  title: string;
  /** The monospace line above the title; may be empty. */
  kicker: string;
  /** The page's one-line description, under the title (at most two lines); may be empty. */
  description: string;
  /** Site name, beside the logo. */
  siteName: string;
  /** Host shown at the bottom ("onix-os.com"). */
  host: string;
}

/** The folder of dist/ that holds the cards. */
export const CARD_DIR = 'og';

/** File under dist/ of the card of the page at `url`: "/" -> og/index.png, "/cli/" -> og/cli.png. */
export function cardFileForUrl(url: string): string {
  const path = url.replace(/^\/+|\/+$/g, '').replace(/\.html$/, '');
  return `${CARD_DIR}/${path || 'index'}.png`;
}

/** The card as SVG; `logo` is the site's logo SVG, drawn at the top left. */
export function cardSvg(text: CardText, logo: string): string {
  const { lines, size } = fitTitle(text.title);
  const lineHeight = Math.round(size * 1.18);
  const titleTop = 300 - ((lines.length - 1) * lineHeight) / 2;
  const perLine = Math.floor(1040 / (0.55 * 30));
  const described = wrap(text.description, perLine);
  const description = described.length > 2 ? [described[0]!, truncate(described.slice(1).join(' '), perLine)] : described;
  const descriptionTop = titleTop + (lines.length - 1) * lineHeight + 64;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}" viewBox="0 0 ${CARD_WIDTH} ${CARD_HEIGHT}">`,
    '<defs><pattern id="grid" width="24" height="24" patternUnits="userSpaceOnUse">',
    `<path d="M24 0H0V24" fill="none" stroke="${PALETTE.grid}" stroke-opacity="0.1" stroke-width="1"/></pattern></defs>`,
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="${PALETTE.paper}"/>`,
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="url(#grid)"/>`,
    `<rect x="0" y="0" width="16" height="${CARD_HEIGHT}" fill="${PALETTE.orange}"/>`,
    placedLogo(logo, 80, 64, 72),
    `<text x="172" y="114" font-family="DejaVu Sans" font-weight="bold" font-size="36" letter-spacing="3" fill="${PALETTE.blue}">${escapeXml(text.siteName)}</text>`,
    text.kicker
      ? `<rect x="80" y="${titleTop - size - 40}" width="40" height="4" fill="${PALETTE.orange}"/><text x="136" y="${titleTop - size - 28}" font-family="DejaVu Sans Mono" font-size="26" letter-spacing="3" fill="${PALETTE.orangeText}">${escapeXml(truncate(text.kicker.toUpperCase(), 56))}</text>`
      : '',
    ...lines.map(
      (line, i) =>
        `<text x="80" y="${titleTop + i * lineHeight}" font-family="DejaVu Sans" font-weight="bold" font-size="${size}" fill="${PALETTE.blue}">${escapeXml(line)}</text>`,
    ),
    ...description.map(
      (line, i) => `<text x="80" y="${descriptionTop + i * 42}" font-family="DejaVu Sans" font-size="30" fill="${PALETTE.ink}">${escapeXml(line)}</text>`,
    ),
    `<rect x="80" y="520" width="${CARD_WIDTH - 160}" height="2" fill="${PALETTE.rule}"/>`,
    `<text x="80" y="572" font-family="DejaVu Sans Mono" font-size="26" fill="${PALETTE.ink}">${escapeXml(text.host)}</text>`,
    '</svg>',
  ].join('');
}

/**
 * Render an SVG to PNG at its own size, or at `width` px wide.
 * @param text the SVG has text, so the fonts are loaded (default: false; loading them is most of a card's cost)
 */
export function renderPng(svg: string, width?: number, text = false): Buffer {
  if (text && !FONT_FILES.every((f) => existsSync(f))) throw new Error(`social cards need the DejaVu fonts in ${FONT_DIR} (Debian package fonts-dejavu-core)`);
  const resvg = new Resvg(svg, {
    font: { fontFiles: text ? FONT_FILES : [], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
  });
  return resvg.render().asPng();
}

/**
 * The logo SVG drawn in the square at (`x`, `y`) of side `size`. As a nested `<svg>` with
 * the logo's viewBox when it has one and no ids (which could clash with the card's): resvg
 * draws that straight onto the card, with the same pixels as an `<image>` of the logo
 * (checked for the site's logo) at a third of a card's render time, where an `<image>` is
 * rendered apart and then drawn. Any other logo goes in as an `<image>`.
 */
function placedLogo(logo: string, x: number, y: number, size: number): string {
  const m = /^\s*<svg\b([^>]*)>([\s\S]*)<\/svg>\s*$/.exec(logo);
  const viewBox = m ? /\sviewBox="([^"]*)"/.exec(m[1]!) : null;
  if (m && viewBox && !/\sid=/.test(m[2]!)) return `<svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="${viewBox[1]}">${m[2]}</svg>`;
  const data = `data:image/svg+xml;base64,${Buffer.from(logo).toString('base64')}`;
  return `<image href="${data}" x="${x}" y="${y}" width="${size}" height="${size}"/>`;
}

/** The card of a page as PNG. */
export function renderCard(text: CardText, logo: string): Buffer {
  return renderPng(cardSvg(text, logo), undefined, true);
}

/** The apple-touch-icon: the logo on the paper colour (iOS draws transparency black). */
export function touchIconSvg(logo: string): string {
  const logoData = `data:image/svg+xml;base64,${Buffer.from(logo).toString('base64')}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="180"><rect width="180" height="180" fill="${PALETTE.paper}"/><image href="${logoData}" x="18" y="18" width="144" height="144"/></svg>`;
}

/**
 * The title in at most three lines that fit 1040 px. DejaVu Sans Bold averages about 0.62 em
 * per character, so a line holds about 1040 / (0.62 * size) characters; long titles get a
 * smaller size, and what does not fit in three lines ends in an ellipsis.
 */
function fitTitle(title: string): { lines: string[]; size: number } {
  for (const size of [80, 68, 56]) {
    const perLine = Math.floor(1040 / (0.62 * size));
    const lines = wrap(title, perLine);
    if (lines.length <= (size === 80 ? 2 : 3)) return { lines, size };
  }
  const lines = wrap(title, Math.floor(1040 / (0.62 * 56)));
  return { lines: [...lines.slice(0, 2), truncate(lines.slice(2).join(' '), Math.floor(1040 / (0.62 * 56)))], size: 56 };
}

function wrap(text: string, perLine: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && `${line} ${word}`.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}\u2026`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
