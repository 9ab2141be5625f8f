// The card draws the site's logo as a nested <svg> (cheap) instead of an <image> of it: the
// pixels must be the ones the <image> gives, or the cards of every build would change. And a
// card is drawn as backdrop plus foreground rows (cheap): the picture must be the whole SVG's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { drawOver } from '../../../generator/site/render/raster.ts';
import { cardImage, cardSvg, foregroundRows } from '../../../generator/site/render/social-card.ts';

const logo = readFileSync(new URL('../../../generator/site/assets/logo.svg', import.meta.url), 'utf8');
const text = { title: 'Rollback in one step', kicker: 'guide', description: 'What moss keeps of each state.', siteName: 'ONIX', host: 'onix-os.com' };

const pixels = (svg: string): Buffer => new Resvg(svg, { font: { loadSystemFonts: false }, fitTo: { mode: 'original' } }).render().pixels;
const FONTS = ['DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf', 'DejaVuSans.ttf'].map((f) => `/usr/share/fonts/truetype/dejavu/${f}`);
const withText = (svg: string): Buffer =>
  new Resvg(svg, { font: { fontFiles: FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } }).render().pixels;

test('the site logo on a card: a nested svg, with the pixels of an <image> of the logo', () => {
  const svg = cardSvg(text, logo);
  const nested = /<svg x="80" y="64" width="72" height="72" viewBox="[^"]*">[\s\S]*?<\/svg>/.exec(svg);
  assert.ok(nested, 'the logo is nested');
  const data = `data:image/svg+xml;base64,${Buffer.from(logo).toString('base64')}`;
  const asImage = svg.replace(nested[0], `<image href="${data}" x="80" y="64" width="72" height="72"/>`);
  assert.ok(pixels(svg).equals(pixels(asImage)));
});

test('a logo with ids goes in as an <image> (its ids could clash with the card)', () => {
  const withId = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><defs><linearGradient id="grid"/></defs><rect width="32" height="32"/></svg>';
  assert.match(cardSvg(text, withId), /<image href="data:image\/svg\+xml;base64,/);
});

test('a card drawn as backdrop plus its own rows is the whole SVG rendered, to two levels of rounding at text edges', () => {
  const long = 'moss keeps every state it made and Nix keeps every generation; the seam between them is one line';
  const cards = [
    text,
    { ...text, kicker: '' },
    { ...text, description: '' },
    // Three lines at the smallest size, a two-line description, and a kicker: the tallest card.
    { ...text, title: `Évery Ångström of a title that is far too long: ${long} gjpqy`, kicker: 'validation procedure', description: `${long} ${long}` },
    // Marks stacked above and below reach beyond the font's ascent and descent.
    { ...text, title: 'Z\u0337\u0322\u0353\u030a\u030a Å\u0301\u0301 g\u0323\u0323', description: 'q\u0323\u0323\u0323 j\u0330' },
  ];
  for (const card of cards) {
    const whole = withText(cardSvg(card, logo));
    const drawn = cardImage(card, logo);
    assert.deepEqual([drawn.width, drawn.height], [1200, 630]);
    let worst = 0;
    let differ = 0;
    for (let p = 0; p < 1200 * 630; p++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs(whole[p * 4 + c]! - drawn.pixels[p * 3 + c]!);
        worst = Math.max(worst, d);
        if (d) differ++;
      }
    }
    assert.ok(worst <= 2, `${card.title}: a channel is ${worst} levels off`);
    assert.ok(differ < 1200 * 630 * 0.05, `${card.title}: ${differ} channels differ`);
  }
});

test('a card rendered inside the box its text inks has the pixels of its text rendered on whole rows', () => {
  const backdrop = cardImage({ ...text, title: '', kicker: '', description: '' }, logo);
  const cards = [
    text,
    { ...text, kicker: '' },
    {
      ...text,
      title: 'Ágjpq Z\u0337\u0322\u0353\u030a Å\u0301\u0301 g\u0323\u0323 and a longer title that wraps onto a second line',
      description: 'q\u0323\u0323 j\u0330',
    },
    { ...text, title: 'i', kicker: '', description: '' },
  ];
  for (const card of cards) {
    const rows = foregroundRows(card);
    const whole = drawOver(backdrop, withText(rows.svg), rows.top);
    assert.ok(Buffer.from(cardImage(card, logo).pixels).equals(Buffer.from(whole.pixels)), card.title);
  }
});

test("a card's own text stays between the site name and the rule, whatever its lengths", () => {
  const backdrop = cardImage({ ...text, title: '', kicker: '', description: '' }, logo).pixels;
  const words = 'state rollback profile store daemon seam kernel initrd boot'.split(' ');
  const phrase = (n: number) => Array.from({ length: n }, (_, i) => words[i % words.length]).join(' ');
  for (const titleWords of [1, 4, 7, 10, 14, 30]) {
    for (const descriptionWords of [0, 6, 14, 40]) {
      for (const kicker of ['', 'validation procedure']) {
        const card = { ...text, title: `Ágjpq ${phrase(titleWords)}`, kicker, description: phrase(descriptionWords) };
        const drawn = cardImage(card, logo).pixels;
        const row = (y: number) => 1200 * 3 * y;
        const changed = (from: number, to: number) =>
          !Buffer.from(drawn.subarray(row(from), row(to))).equals(Buffer.from(backdrop.subarray(row(from), row(to))));
        assert.ok(!changed(0, 146), `${titleWords} title words, ${descriptionWords} description words, kicker "${kicker}": text above row 146`);
        assert.ok(!changed(516, 630), `${titleWords} title words, ${descriptionWords} description words, kicker "${kicker}": text below row 516`);
        assert.ok(changed(146, 516), 'the text is drawn');
      }
    }
  }
});
