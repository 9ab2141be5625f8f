// Worker threads change how fast a big cold build is, never what it writes (pages and social cards).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSite } from '../../../generator/site/build/build.ts';
import { page, tempSite } from '../helpers.ts';

test('a cold build with 2 workers writes the same bytes as one on the main thread', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 240; i++) {
    const next = (i + 1) % 240;
    files[`content/p${i}.md`] = page(
      `Page ${i}`,
      [
        `## Part ${i}`,
        `Go to [next](p${next}.md#part-${next}).`,
        `\`\`\`ts\nexport const n: number = ${i};\n\`\`\``,
        `\`\`\`console\n$ echo ${i}\n${i}\n\`\`\``,
        `\`\`\`nix\n{ pkgs }: pkgs.hello # ${i}\n\`\`\``,
      ].join('\n\n'),
    );
  }
  const dir = await tempSite(files);
  const parallel = await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'a'), cacheDir: join(dir, 'cache-a'), gitDates: false, workers: 2 });
  const serial = await buildSite({ contentDir: join(dir, 'content'), outDir: join(dir, 'b'), cacheDir: join(dir, 'cache-b'), gitDates: false, workers: 0 });
  assert.equal(parallel.workers, 2);
  assert.equal(serial.workers, 0);
  assert.equal(parallel.highlighted.tokenized, 3 * 240);
  // A card for each page, the run page and the test machine page.
  assert.deepEqual(
    [parallel.cards, serial.cards],
    [
      { rendered: 242, cached: 0 },
      { rendered: 242, cached: 0 },
    ],
    'social cards drawn in the workers and on the main thread',
  );
  assert.deepEqual(parallel.files, serial.files);
  for (const f of parallel.files) assert.ok((await readFile(join(dir, 'a', f))).equals(await readFile(join(dir, 'b', f))), f);
});
