// The card draws the site's logo as a nested <svg> (cheap) instead of an <image> of it: the
// pixels must be the ones the <image> gives, or the cards of every build would change.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { cardSvg } from '../../../generator/site/render/social-card.ts';

const logo = readFileSync(new URL('../../../generator/site/assets/logo.svg', import.meta.url), 'utf8');
const text = { title: 'Rollback in one step', kicker: 'guide', description: 'What moss keeps of each state.', siteName: 'ONIX', host: 'onix-os.com' };

const pixels = (svg: string): Buffer => new Resvg(svg, { font: { loadSystemFonts: false }, fitTo: { mode: 'original' } }).render().pixels;

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
