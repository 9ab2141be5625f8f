// Renders from the spec run: PNGs decoded and re-encoded with Node's zlib (png.ts), each shown as
// a figure with its size and a caption of what the probe printed, and the pixel comparison
// measured at build time. Links to procedures carry the procedure's last result.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { buildSite } from '../../../generator/site/build/build.ts';
import { loadPage } from '../../../generator/content/load.ts';
import { decodePng, differingPixels, encodePng } from '../../../generator/site/model/png.ts';
import { page, read, tempSite, specReport } from '../helpers.ts';

/** A PNG the way glprobe writes one (onix/image/nix/glprobe/glprobe.c): RGB, filter none, stored deflate. */
function storedPng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (1 + width * 3) + 1 + x * 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  // Level 0 is zlib's stored blocks, as glprobe writes them; the chunks are written here, not by png.ts.
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  let c = 0xffffffff;
  for (const byte of Buffer.concat([Buffer.from(type, 'latin1'), body])) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + body.length);
  return out;
}

const scene = (x: number, y: number): [number, number, number] => (x > y ? [200, 40, 10] : [0, 0, 0]);

test('png: a stored PNG re-encodes losslessly and much smaller; differing pixels are counted', () => {
  const original = storedPng(64, 64, scene);
  const decoded = decodePng(original);
  assert.deepEqual([decoded.width, decoded.height, decoded.channels], [64, 64, 3]);
  const smaller = encodePng(decoded);
  assert.ok(smaller.length * 5 < original.length, `${smaller.length} bytes from ${original.length}`);
  const again = decodePng(smaller);
  assert.deepEqual(Buffer.from(again.pixels), Buffer.from(decoded.pixels));
  assert.equal(differingPixels(decoded, again), 0);
  const other = decodePng(storedPng(64, 64, (x, y) => (x === 3 && y === 5 ? [1, 2, 3] : scene(x, y))));
  assert.equal(differingPixels(decoded, other), 1);
  assert.throws(() => decodePng(Buffer.from('not a png')), /not a PNG/);
});

test('renders are figures with size, the state, Mesa and GL_VERSION the probe printed, and a measured comparison', async () => {
  const body = [
    '## Renders',
    '```console artifacts=/home/alice/new.png\n$ glprobe -o new.png\nGL_VERSION: [..]\n$ cat /usr/.stateID\n2\n```',
    '```console artifacts=/home/alice/old.png\n$ glprobe -o old.png\nGL_VERSION: [..]\n$ cat /usr/.stateID\n1\n```',
    '![new stack](spec-artifact:artifacts/new.png)\n![old stack, after the rollback](spec-artifact:artifacts/old.png)',
  ].join('\n\n');
  const dir = await tempSite({
    'content/validation.md': page('Validation', body),
    'content/roadmap.md': page('Roadmap', '1. item\n\n   Proved by [Renders](validation.md#renders).\n2. other\n\n   No proof yet.'),
  });
  const parsed = await loadPage(join(dir, 'content/validation.md'));
  const f = parsed.file;
  const heading = parsed.tree.children.find((n) => n.type === 'heading')!.position!.start.line;
  const [a, b] = parsed.tree.children.filter((n) => n.type === 'code').map((n) => n.position!.start.line) as [number, number];
  const probe = (line: number, version: string, state: string) => ({
    id: `${f}:${line}`,
    file: f,
    line,
    kind: 'transcript' as const,
    status: 'passed' as const,
    captures: {},
    diff: '',
    durationMs: 1,
    commands: [
      {
        line: line + 1,
        command: 'glprobe',
        stdout: '',
        stderr: '',
        status: 0,
        durationMs: 1,
        shown: [{ text: `GL_VERSION: OpenGL ES 3.2 Mesa ${version}`, marks: [{ from: 12, to: 34 }] }],
      },
      { line: line + 3, command: 'cat /usr/.stateID', stdout: state, stderr: '', status: 0, durationMs: 1, shown: [{ text: state }] },
    ],
  });
  const report = specReport({
    pages: [{ file: f, contentHash: parsed.contentHash }],
    cases: [
      {
        id: `${f}:${heading}`,
        file: f,
        line: heading,
        title: 'Renders',
        status: 'passed',
        durationMs: 5000,
        reboots: 1,
        artifacts: ['artifacts/new.png', 'artifacts/old.png'],
        blocks: [probe(a, '25.0.7-2~bpo12+1', '2'), probe(b, '22.3.6', '1')],
      },
    ],
    totals: { passed: 2, failed: 0, skipped: 0, errors: 0 },
  });
  const reportDir = join(dir, '.spec');
  await mkdir(join(reportDir, 'artifacts'), { recursive: true });
  const original = storedPng(64, 64, scene);
  await writeFile(join(reportDir, 'artifacts/new.png'), original);
  await writeFile(
    join(reportDir, 'artifacts/old.png'),
    storedPng(64, 64, (x, y) => (x < 2 && y === 0 ? [9, 9, 9] : scene(x, y))),
  );
  const out = join(dir, 'dist');
  await buildSite({ contentDir: join(dir, 'content'), outDir: out, report, reportDir, cacheDir: null, rootDir: dir, gitDates: false });
  const html = await read(out, 'validation/index.html');
  assert.match(
    html,
    /<figure class="render"><img class="spec-artifact" src="\/spec-artifacts\/artifacts\/new\.png" alt="new stack" width="64" height="64" loading="lazy"><figcaption><span class="render-title">new stack<\/span><span class="render-facts">moss state 2 · Mesa 25\.0\.7 · 64×64<\/span><span class="render-facts">the probe printed <code>GL_VERSION: OpenGL ES 3\.2 Mesa 25\.0\.7-2~bpo12\+1<\/code><\/span><\/figcaption><\/figure>/,
  );
  assert.match(html, /moss state 1 · Mesa 22\.3\.6 · 64×64/);
  assert.match(html, /2 of 4,096 pixels differ between the two renders/);
  const published = await readFile(join(out, 'spec-artifacts/artifacts/new.png'));
  assert.ok(published.length < original.length / 5, `published ${published.length} bytes, written ${original.length}`);
  assert.deepEqual(Buffer.from(decodePng(published).pixels), Buffer.from(decodePng(original).pixels), 'lossless');
  assert.ok((await stat(join(out, 'spec-artifacts/artifacts/old.png'))).size < original.length / 5);

  const roadmap = await read(out, 'roadmap/index.html');
  assert.match(roadmap, /<a href="\/validation\/#renders">Renders<\/a> <span class="spec-status proof-result spec-passed">passed 2026-12-01<\/span>/);
});

test('a link to a procedure on a page changed since the run says "not run"', async () => {
  const dir = await tempSite({
    'content/validation.md': page('Validation', '## Renders\n\n```console\n$ true\n```\n\nedited after the run'),
    'content/roadmap.md': page('Roadmap', 'Proved by [Renders](validation.md#renders).'),
  });
  const f = (await loadPage(join(dir, 'content/validation.md'))).file;
  const report = specReport({
    machine: { target: 'vm', imageId: null, fstx: null, host: 'qemu' },
    pages: [{ file: f, contentHash: 'the hash of the page as it was run' }],
    cases: [
      {
        id: `${f}:5`,
        file: f,
        line: 5,
        title: 'Renders',
        status: 'passed',
        durationMs: 1,
        reboots: 0,
        artifacts: [],
        blocks: [{ id: `${f}:7`, file: f, line: 7, kind: 'transcript', status: 'passed', commands: [], captures: {}, diff: '', durationMs: 1 }],
      },
    ],
    totals: { passed: 1, failed: 0, skipped: 0, errors: 0 },
  });
  const out = join(dir, 'dist');
  await buildSite({ contentDir: join(dir, 'content'), outDir: out, report, cacheDir: null, rootDir: dir, gitDates: false });
  assert.match(
    await read(out, 'roadmap/index.html'),
    /<span class="spec-status proof-result spec-not-run">not run: page changed since the last spec run<\/span>/,
  );
});
