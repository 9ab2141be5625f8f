// A transcript that is only `$ reboot` (or `$ crash`) joins the transcript before it (or, when
// there is none, the one after it) instead of standing alone as its own framed block: a reader
// sees one session that reboots in the middle, as it ran. Only transcripts with the same result
// join, so no result is hidden. Works on the page's hast after code-block.ts rendered it.

import type { Element, ElementContent, Root } from 'hast';

function isTranscript(node: ElementContent | undefined): node is Element {
  return node?.type === 'element' && node.tagName === 'figure' && (node.properties.className as string[] | undefined)?.includes('transcript') === true;
}

/** The <code> of a transcript's first or last <pre> segment. */
function codeOf(figure: Element, which: 'first' | 'last'): Element | null {
  const pres = figure.children.filter((c): c is Element => c.type === 'element' && c.tagName === 'pre');
  const pre = which === 'first' ? pres[0] : pres[pres.length - 1];
  const code = pre?.children[0];
  return code?.type === 'element' ? code : null;
}

/** The neighbouring element sibling of children[i] (whitespace text skipped). */
function neighbour(children: (ElementContent | Root['children'][number])[], i: number, step: 1 | -1): number {
  for (let k = i + step; k >= 0 && k < children.length; k += step) {
    const c = children[k]!;
    if (c.type === 'text' && c.value.trim() === '') continue;
    return k;
  }
  return -1;
}

export function joinRestarts(tree: Root | Element): void {
  const children = tree.children as ElementContent[];
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    if (node.type !== 'element') continue;
    if (!isTranscript(node) || node.properties.dataRestartOnly === undefined) {
      joinRestarts(node);
      continue;
    }
    const lines = codeOf(node, 'first')?.children ?? [];
    const before = neighbour(children, i, -1);
    const after = neighbour(children, i, 1);
    const same = (k: number) =>
      k >= 0 &&
      isTranscript(children[k]) &&
      (children[k] as Element).properties.dataStatus === node.properties.dataStatus &&
      (children[k] as Element).properties.dataRestartOnly === undefined;
    if (same(before)) {
      const code = codeOf(children[before] as Element, 'last');
      if (!code) continue;
      code.children.push({ type: 'text', value: '\n' }, ...lines);
    } else if (same(after)) {
      const code = codeOf(children[after] as Element, 'first');
      if (!code) continue;
      code.children.unshift(...lines, { type: 'text', value: '\n' });
    } else continue;
    children.splice(i, 1);
    i--;
  }
}
