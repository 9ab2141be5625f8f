import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveInternalLink } from '../../../generator/site/model/routes.ts';
import type { SpecResults } from '../../../generator/site/model/spec-results.ts';
import { linkedCase } from '../../../generator/site/render/case-result.ts';

test('links resolve to a site URL and a decoded fragment', () => {
  assert.deepEqual(resolveInternalLink('a/b.md', '../cli.md#st%C3%A4tus'), { url: '/cli/', fragment: 'stätus' });
  assert.deepEqual(resolveInternalLink('cli.md', '#status'), { url: '/cli/', fragment: 'status' });
  assert.equal(resolveInternalLink('cli.md', 'https://x.test/#a'), null);
});

test('a malformed escape in a fragment is kept as written, not a crash (the random hostile-pages test found `#%`)', () => {
  assert.deepEqual(resolveInternalLink('cli.md', '#%'), { url: '/cli/', fragment: '%' });
  assert.deepEqual(resolveInternalLink('cli.md', 'index.md#a%zz'), { url: '/', fragment: 'a%zz' });
});

test('a link to a procedure with a malformed escape looks up the anchor as written instead of throwing', () => {
  const asked: string[][] = [];
  const caseByAnchor = (file: string, anchor: string): null => {
    asked.push([file, anchor]);
    return null;
  };
  const results = { caseByAnchor } as unknown as SpecResults;
  assert.equal(linkedCase('validation.md#%', 'index.md', results), null);
  assert.deepEqual(asked, [['validation.md', '%']]);
});
