// A paragraph holding only `spec-artifact:` images (the renders a spec run copied out of the
// machine) becomes a group of figures: each image with its width and height, and a caption
// naming what the block that made it observed: the moss state (`cat /usr/.stateID`), the Mesa
// version and the GL_VERSION string the probe printed. Two or more renders of one size end with
// the pixel comparison measured at build time (artifact-images.ts), stated as a count.

import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { Code, Image } from 'mdast';
import { parseBlockOptions } from '../../spec/options.ts';
import { type ArtifactImages, pairKey } from '../model/artifact-images.ts';
import type { BlockResult } from '../model/spec-results.ts';

/** Where the runner puts a copied file in the report: `artifacts=/home/alice/x.png` -> `artifacts/x.png`. */
const reportPathOf = (machinePath: string) => `artifacts/${machinePath.slice(machinePath.lastIndexOf('/') + 1)}`;

export interface RendersContext {
  /** The page's console blocks, to find the one that copied an artifact out. */
  codeBlocks: Code[];
  resultAt(line: number): BlockResult;
  artifactUrl(path: string): string | null;
  images: ArtifactImages | undefined;
}

/** What the block that copied `path` out of the machine observed. */
interface Observed {
  state: string | null;
  glVersion: string | null;
  mesa: string | null;
}

function observedFor(path: string, ctx: RendersContext): Observed {
  const none: Observed = { state: null, glVersion: null, mesa: null };
  for (const code of ctx.codeBlocks) {
    if (code.lang !== 'console' || !code.meta?.includes('artifacts=')) continue;
    const parsed = parseBlockOptions(code.meta);
    if (!parsed.ok || !parsed.options.artifacts?.some((p) => reportPathOf(p) === path)) continue;
    const fence = code.position?.start.line ?? 0;
    const result = ctx.resultAt(fence);
    if (result.status !== 'passed') return none;
    const out: Observed = { ...none };
    code.value.split('\n').forEach((text, i) => {
      const lines = (result.commands[fence + 1 + i]?.shown ?? []).flatMap((s) => ('text' in s ? [s.text] : s.elided));
      if (text === '$ cat /usr/.stateID') out.state = lines[0] ?? null;
      for (const l of lines) {
        const m = /^GL_VERSION: (.*)$/.exec(l);
        if (m) {
          out.glVersion = m[1]!;
          out.mesa = /Mesa (\d+\.\d+(?:\.\d+)?)/.exec(m[1]!)?.[1] ?? null;
        }
      }
    });
    return out;
  }
  return none;
}

/** The images of a paragraph that holds only artifact images (and spacing), else null. */
export function artifactImagesOf(children: ElementContent[] | import('mdast').PhrasingContent[], scheme: string): Image[] | null {
  const images: Image[] = [];
  for (const c of children as import('mdast').PhrasingContent[]) {
    if (c.type === 'image' && c.url.startsWith(scheme)) images.push(c);
    else if (c.type === 'break' || (c.type === 'text' && c.value.trim() === '')) continue;
    else return null;
  }
  return images.length ? images : null;
}

export function renderRenders(images: Image[], scheme: string, ctx: RendersContext): Element {
  const figures: Element[] = [];
  const shown: string[] = [];
  for (const image of images) {
    const path = image.url.slice(scheme.length);
    const src = ctx.artifactUrl(path);
    const alt = image.alt ?? '';
    if (!src) {
      figures.push(h('figure.render', [h('span.spec-artifact-missing', { role: 'img', ariaLabel: alt }, `${alt || 'image'} (appears after the spec runs)`)]));
      continue;
    }
    shown.push(path);
    const facts = ctx.images?.images[path];
    const seen = observedFor(path, ctx);
    const said: string[] = [];
    if (seen.state) said.push(`moss state ${seen.state}`);
    if (seen.mesa) said.push(`Mesa ${seen.mesa}`);
    if (facts) said.push(`${facts.width}×${facts.height}`);
    figures.push(
      h('figure.render', [
        h('img.spec-artifact', { src, alt, title: image.title ?? undefined, width: facts?.width, height: facts?.height, loading: 'lazy' }),
        h('figcaption', [
          h('span.render-title', alt),
          said.length ? h('span.render-facts', said.join(' · ')) : '',
          seen.glVersion ? h('span.render-facts', ['the probe printed ', h('code', `GL_VERSION: ${seen.glVersion}`)]) : '',
        ]),
      ]),
    );
  }
  const comparisons: ElementContent[] = [];
  for (let i = 1; i < shown.length; i++) {
    const a = shown[i - 1]!;
    const b = shown[i]!;
    const differ = ctx.images?.differing[pairKey(a, b)];
    const facts = ctx.images?.images[b];
    if (differ === undefined || !facts) continue;
    const total = facts.width * facts.height;
    comparisons.push(
      h('p.render-compare', [
        `Compared pixel by pixel when this site was built: ${differ.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} pixels differ between the ${shown.length > 2 ? `renders ${i} and ${i + 1}` : 'two renders'}.`,
      ]),
    );
  }
  return h('div.renders', [h('div.render-row', figures), ...comparisons]);
}
