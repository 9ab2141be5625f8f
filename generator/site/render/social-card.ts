// Social cards: the 1200x630 PNG that link previews (X, Facebook, LinkedIn, Slack) show for a
// page, drawn at build time from an SVG in the site's palette (paper, grid, logo, orange
// kicker, deep blue title) by resvg, a Rust SVG renderer with prebuilt Node binaries. Text
// is set in DejaVu, read from Debian's fonts-dejavu-core, so a card looks the same on every
// machine that builds it. What every card shares (paper, grid, logo, site name, host) is
// rendered once a process; each card renders only the rows its own text can touch and is drawn
// over that (raster.ts). The PNG icons (favicon, apple-touch-icon) come from the same renderer.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { encodePng } from '../model/png.ts';
import { drawOver, opaqueRgb, type RgbImage } from './raster.ts';

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

/** Where a card's text goes: the title's lines and size, the description's lines, their baselines. */
interface CardLayout {
  text: CardText;
  title: string[];
  size: number;
  lineHeight: number;
  titleTop: number;
  description: string[];
  descriptionTop: number;
}

/** The rows a card's own text may use: below the logo and site name, above the rule. */
const TEXT_AREA = { top: 156, bottom: 508 };

/**
 * The largest title size at which the title's lines and the description fit the text area,
 * centred in it. Failing that, the smallest size, with the title cut to three lines and the
 * description to what room is left.
 */
function layOut(text: CardText): CardLayout {
  const perLine = Math.floor(1040 / (0.55 * 30));
  const described = wrap(text.description, perLine);
  const description = cut(described, 2, perLine);
  for (const size of [80, 68, 56]) {
    const title = wrap(text.title, titlePerLine(size));
    const layout = title.length <= (size === 80 ? 2 : 3) ? place(text, title, size, description) : null;
    if (layout) return layout;
  }
  const title = cut(wrap(text.title, titlePerLine(56)), 3, titlePerLine(56));
  return place(text, title, 56, description) ?? place(text, title, 56, cut(described, 1, perLine)) ?? place(text, title, 56, [])!;
}

/** The layout with the block centred in the text area, or null when it does not fit. */
function place(text: CardText, title: string[], size: number, description: string[]): CardLayout | null {
  const lineHeight = Math.round(size * 1.18);
  const last = (title.length - 1) * lineHeight;
  // From the first line's baseline: up to the kicker's caps, or the title's; down to the description's descenders, or the title's.
  const above = text.kicker ? size + 48 : Math.ceil(0.76 * size);
  const below = description.length ? last + 64 + (description.length - 1) * 42 + 8 : last + Math.ceil(0.24 * size);
  const room = TEXT_AREA.bottom - TEXT_AREA.top;
  if (above + below > room) return null;
  const titleTop = TEXT_AREA.top + Math.round((room - above - below) / 2) + above;
  return { text, title, size, lineHeight, titleTop, description, descriptionTop: titleTop + last + 64 };
}

/** DejaVu Sans Bold averages about 0.62 em a character, so a line of 1040 px holds about this many. */
function titlePerLine(size: number): number {
  return Math.floor(1040 / (0.62 * size));
}

/** At most `count` lines, the last ending in an ellipsis when text was left out. */
function cut(lines: string[], count: number, perLine: number): string[] {
  return lines.length <= count ? lines : [...lines.slice(0, count - 1), truncate(lines.slice(count - 1).join(' '), perLine)];
}

const svgOpen = (height = CARD_HEIGHT, top = 0): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${height}" viewBox="0 ${top} ${CARD_WIDTH} ${height}">`;

/** What every card of a site shares: paper, grid, orange edge, logo, site name, rule and host. */
function backdrop(siteName: string, host: string, logo: string): string[] {
  return [
    '<defs><pattern id="grid" width="24" height="24" patternUnits="userSpaceOnUse">',
    `<path d="M24 0H0V24" fill="none" stroke="${PALETTE.grid}" stroke-opacity="0.1" stroke-width="1"/></pattern></defs>`,
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="${PALETTE.paper}"/>`,
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="url(#grid)"/>`,
    `<rect x="0" y="0" width="16" height="${CARD_HEIGHT}" fill="${PALETTE.orange}"/>`,
    placedLogo(logo, 80, 64, 72),
    `<text x="172" y="114" font-family="DejaVu Sans" font-weight="bold" font-size="36" letter-spacing="3" fill="${PALETTE.blue}">${escapeXml(siteName)}</text>`,
    `<rect x="80" y="520" width="${CARD_WIDTH - 160}" height="2" fill="${PALETTE.rule}"/>`,
    `<text x="80" y="572" font-family="DejaVu Sans Mono" font-size="26" fill="${PALETTE.ink}">${escapeXml(host)}</text>`,
  ];
}

/** One element of a card's foreground and the rows it can touch. */
interface Placed {
  svg: string;
  top: number;
  bottom: number;
}

/**
 * A text line at `baseline`, with the rows it can touch: from well above the baseline (a cap
 * with an accent or a stacked mark reaches about 1.2 em) to well below the descenders.
 */
function textLine(baseline: number, size: number, svg: string): Placed {
  return { svg, top: baseline - 1.5 * size, bottom: baseline + 0.6 * size + 4 };
}

/** A page's own part of its card: kicker, title and description, on nothing. */
function foreground(layout: CardLayout): Placed[] {
  const { text, title, size, lineHeight, titleTop, description, descriptionTop } = layout;
  const placed: Placed[] = [];
  if (text.kicker) {
    const rule = titleTop - size - 40;
    placed.push({ svg: `<rect x="80" y="${rule}" width="40" height="4" fill="${PALETTE.orange}"/>`, top: rule, bottom: rule + 4 });
    placed.push(
      textLine(
        rule + 12,
        26,
        `<text x="136" y="${rule + 12}" font-family="DejaVu Sans Mono" font-size="26" letter-spacing="3" fill="${PALETTE.orangeText}">${escapeXml(truncate(text.kicker.toUpperCase(), 56))}</text>`,
      ),
    );
  }
  title.forEach((line, i) => {
    const y = titleTop + i * lineHeight;
    placed.push(
      textLine(
        y,
        size,
        `<text x="80" y="${y}" font-family="DejaVu Sans" font-weight="bold" font-size="${size}" fill="${PALETTE.blue}">${escapeXml(line)}</text>`,
      ),
    );
  });
  description.forEach((line, i) => {
    const y = descriptionTop + i * 42;
    placed.push(textLine(y, 30, `<text x="80" y="${y}" font-family="DejaVu Sans" font-size="30" fill="${PALETTE.ink}">${escapeXml(line)}</text>`));
  });
  return placed;
}

/** The rows the foreground can touch, within the card. */
function rowsOf(placed: Placed[]): { top: number; height: number } {
  const top = Math.max(0, Math.floor(Math.min(...placed.map((p) => p.top))));
  const bottom = Math.min(CARD_HEIGHT, Math.ceil(Math.max(...placed.map((p) => p.bottom))));
  return { top, height: bottom - top };
}

/** The card as SVG, whole; `logo` is the site's logo SVG, drawn at the top left. */
export function cardSvg(text: CardText, logo: string): string {
  return [svgOpen(), ...backdrop(text.siteName, text.host, logo), ...foreground(layOut(text)).map((p) => p.svg), '</svg>'].join('');
}

/**
 * Render an SVG to PNG at its own size, or at `width` px wide.
 * @param text the SVG has text, so the fonts are loaded (default: false)
 */
export function renderPng(svg: string, width?: number, text = false): Buffer {
  return resvg(svg, width, text).render().asPng();
}

/** Render an SVG at its own size to premultiplied RGBA. */
function renderPixels(svg: string, text: boolean): { pixels: Buffer; width: number; height: number } {
  const image = resvg(svg, undefined, text).render();
  return { pixels: image.pixels, width: image.width, height: image.height };
}

function resvg(svg: string, width: number | undefined, text: boolean): Resvg {
  if (text && !FONT_FILES.every((f) => existsSync(f))) throw new Error(`social cards need the DejaVu fonts in ${FONT_DIR} (Debian package fonts-dejavu-core)`);
  return new Resvg(svg, {
    font: { fontFiles: text ? FONT_FILES : [], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
  });
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

/** A page's own part of its card as SVG on nothing: the rows its text can touch, from `top`. */
export function foregroundRows(text: CardText): { svg: string; top: number; height: number } {
  const placed = foreground(layOut(text));
  const rows = rowsOf(placed);
  return { svg: [svgOpen(rows.height, rows.top), ...placed.map((p) => p.svg), '</svg>'].join(''), ...rows };
}

/**
 * The card of a page, as pixels: the site's backdrop (rendered once a process) with the page's
 * foreground drawn over it. The foreground is laid out on the rows it can touch, then rendered
 * only inside the box its glyphs ink (resvg's bounding box of the text's paths, widened to
 * whole pixels and one more on each side): resvg's render costs by the pixel of the canvas,
 * text or not, and that box is about 60% of those rows (38 against 34 ms a card, measured on
 * the bench's cards). A view moved by whole pixels moves no edge: the pixels are those of the
 * whole rows (tested), and the same picture as rendering `cardSvg` whole, to a level or two
 * of rounding in the text's edges (tested), at a fraction of the time.
 */
export function cardImage(text: CardText, logo: string): RgbImage {
  const rows = foregroundRows(text);
  const backdrop = backdropImage(text.siteName, text.host, logo);
  const layer = resvg(rows.svg, undefined, true);
  const box = layer.getBBox();
  if (!box) return { ...backdrop, pixels: backdrop.pixels.slice() };
  const left = Math.max(0, Math.floor(box.x) - 1);
  const top = Math.max(rows.top, Math.floor(box.y) - 1);
  const right = Math.min(CARD_WIDTH, Math.ceil(box.x + box.width) + 1);
  const bottom = Math.min(rows.top + rows.height, Math.ceil(box.y + box.height) + 1);
  if (right <= left || bottom <= top) return { ...backdrop, pixels: backdrop.pixels.slice() };
  Object.assign(box, { x: left, y: top, width: right - left, height: bottom - top });
  layer.cropByBBox(box);
  return drawOver(backdrop, layer.render().pixels, top, left, right - left);
}

/** The card of a page as PNG. */
export function renderCard(text: CardText, logo: string): Buffer {
  return encodePng(cardImage(text, logo), { rows: 'unfiltered', level: 6 });
}

/** Backdrops rendered in this process, by what they show (a build has one). */
const backdrops = new Map<string, RgbImage>();

function backdropImage(siteName: string, host: string, logo: string): RgbImage {
  const key = JSON.stringify([siteName, host, logo]);
  let image = backdrops.get(key);
  if (!image) {
    const { pixels, width, height } = renderPixels([svgOpen(), ...backdrop(siteName, host, logo), '</svg>'].join(''), true);
    image = opaqueRgb(pixels, width, height);
    if (backdrops.size > 8) backdrops.clear();
    backdrops.set(key, image);
  }
  return image;
}

/** The apple-touch-icon: the logo on the paper colour (iOS draws transparency black). */
export function touchIconSvg(logo: string): string {
  const logoData = `data:image/svg+xml;base64,${Buffer.from(logo).toString('base64')}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="180"><rect width="180" height="180" fill="${PALETTE.paper}"/><image href="${logoData}" x="18" y="18" width="144" height="144"/></svg>`;
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
