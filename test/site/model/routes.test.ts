import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveInternalLink } from '../../../generator/site/model/routes.ts';

test('links resolve to a site URL and a decoded fragment', () => {
  assert.deepEqual(resolveInternalLink('a/b.md', '../cli.md#st%C3%A4tus'), { url: '/cli/', fragment: 'stätus' });
  assert.deepEqual(resolveInternalLink('cli.md', '#status'), { url: '/cli/', fragment: 'status' });
  assert.equal(resolveInternalLink('cli.md', 'https://x.test/#a'), null);
});

test('a malformed escape in a fragment is kept as written, not a crash (the random hostile-pages test found `#%`)', () => {
  assert.deepEqual(resolveInternalLink('cli.md', '#%'), { url: '/cli/', fragment: '%' });
  assert.deepEqual(resolveInternalLink('cli.md', 'index.md#a%zz'), { url: '/', fragment: 'a%zz' });
});
