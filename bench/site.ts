// `npm run bench:site [-- --pages N] [--no-hugo] [--no-eleventy]`: one synthetic corpus of N
// Markdown pages (default 4000: headings, tables, links with anchors, code blocks in several
// languages, console transcripts), built in one run by our generator (cold: empty highlight
// cache, and warm), by Eleventy and by Hugo; then the dev server's rebuild after one edit, and
// social cards drawn our way against resvg rendering each whole card.
// Prints pages per second and the ratios. Corpus and outputs live in .cache/bench-site/.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSite } from '../generator/site/build/build.ts';
import { cardSvg, renderCard, renderPng } from '../generator/site/render/social-card.ts';
import { DevSite } from '../generator/site/serve/dev-site.ts';

const { values } = parseArgs({
  options: {
    pages: { type: 'string', default: '4000' },
    'no-hugo': { type: 'boolean', default: false },
    'no-eleventy': { type: 'boolean', default: false },
    edits: { type: 'string', default: '30' },
  },
});
const N = Number(values.pages);
const root = resolve('.cache/bench-site');

/** Small deterministic PRNG so every run builds the same corpus. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const words =
  'moss nix state rollback profile store daemon seam kernel initrd boot entry mesa bridge plane machine toolbox musl atomic persistent transaction archive prune garbage root user shell flake'.split(
    ' ',
  );

function code(lang: string, i: number, k: number): string {
  switch (lang) {
    case 'sh':
      return `for f in /nix/var/nix/profiles/per-user/*; do\n  echo "profile $f page ${i}" | grep -v tmp-${k} >> /tmp/out-${i}.log\ndone\nexport PATH="$HOME/.nix-profile/bin:$PATH"`;
    case 'nix':
      return `{ pkgs ? import <nixpkgs> {} }:\npkgs.mkShell {\n  name = "page-${i}-${k}";\n  buildInputs = [ pkgs.ripgrep pkgs.jq ]; # ${k}\n  shellHook = ''echo ready ${i}'';\n}`;
    case 'ts':
      return `export async function state${i}_${k}(root: string): Promise<number> {\n  const text = await readFile(\`\${root}/usr/.stateID\`, 'utf8');\n  return Number(text.trim()) + ${k}; // page ${i}\n}\ninterface Entry { id: number; title?: string }`;
    case 'json':
      return `{\n  "page": ${i},\n  "block": ${k},\n  "states": [${i}, ${i + 1}, ${i + 2}],\n  "active": true,\n  "name": "onix-${i}"\n}`;
    case 'yaml':
      return `page: ${i}\nblock: ${k}\nplanes:\n  - name: machine\n    owner: moss\n  - name: toolbox\n    owner: nix\nactive: true`;
    case 'diff':
      return `--- a/etc/nix/nix.conf\n+++ b/etc/nix/nix.conf\n@@ -1,3 +1,3 @@\n build-users-group = nixbld\n-sandbox = false\n+sandbox = true\n max-jobs = ${k + (i % 7)}`;
    case 'ini':
      return `[Unit]\nDescription=page ${i} block ${k}\n\n[Service]\nExecStart=/usr/bin/onix-agent --port ${1000 + i}\nRestart=always`;
    default:
      return `$ onix status\nactive fstx: ${i}-${k}\nboot entry: onix-${i}.conf\nnix daemon: healthy`;
  }
}

const langs = ['sh', 'nix', 'ts', 'json', 'yaml', 'diff', 'ini', 'console'];

function pageMarkdown(i: number): string {
  const r = rng(i + 1);
  const pick = () => words[Math.floor(r() * words.length)]!;
  const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');
  const link = () => {
    const j = Math.floor(r() * N);
    return `[${pick()} ${j}](p${String(j).padStart(5, '0')}.md#section-${1 + Math.floor(r() * 3)})`;
  };
  const parts = [`---\ntitle: Page ${i} ${pick()}\ndescription: ${sentence(8)}\n${i < 8 ? `order: ${i}\n` : ''}---\n`];
  for (let s = 1; s <= 3; s++) {
    parts.push(`## Section ${s}\n\n${sentence(30)} ${link()} and ${link()}. ${sentence(20)} **${pick()}** \`${pick()}\`.`);
    parts.push(`### Detail ${s}\n\n- ${sentence(6)}\n- ${sentence(5)} ${link()}\n- ${sentence(7)}`);
    const lang = langs[(i * 3 + s) % langs.length]!;
    parts.push(`\`\`\`${lang}\n${code(lang, i, s)}\n\`\`\``);
  }
  parts.push(`| Surface | Owner | Reason |\n|---|---|---|\n${Array.from({ length: 4 }, () => `| \`/${pick()}\` | ${pick()} | ${sentence(4)} |`).join('\n')}`);
  const lang = langs[(i + 5) % langs.length]!;
  parts.push(`\`\`\`${lang}\n${code(lang, i, 9)}\n\`\`\``);
  return `${parts.join('\n\n')}\n`;
}

async function writeCorpus(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const width = 64;
  for (let i = 0; i < N; i += width) {
    await Promise.all(
      Array.from({ length: Math.min(width, N - i) }, (_, k) => writeFile(join(dir, `p${String(i + k).padStart(5, '0')}.md`), pageMarkdown(i + k))),
    );
  }
}

/** CPU seconds used by this process (all threads) and by its waited-for children. */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const children = (Number(stat[13]) + Number(stat[14])) / 100; // cutime + cstime, in clock ticks
  return (own.user + own.system) / 1e6 + children;
}

let lastCpu = 0;
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const c = cpuSeconds();
  const v = await fn();
  lastCpu = cpuSeconds() - c;
  return [v, (performance.now() - t) / 1000];
}

const rows: Array<{ name: string; seconds: number; cpu: number; note: string }> = [];
const rate = (s: number) => N / s;

console.log(`corpus: ${N} pages, ${4 * N} code blocks (sh, nix, ts, json, yaml, diff, ini, console), ${cpus().length} CPUs`);
const corpus = join(root, 'content');
await writeCorpus(corpus);

// Ours: cold (empty highlight cache) and warm (cache from the cold build, as after an edit).
const cache = join(root, 'cache');
await rm(cache, { recursive: true, force: true });
const [cold, coldS] = await time(() => buildSite({ contentDir: corpus, outDir: join(root, 'out-onix'), cacheDir: cache, gitDates: false }));
const phases = (r: typeof cold) =>
  `load ${(r.phasesMs.load / 1000).toFixed(2)} s, render ${(r.phasesMs.render / 1000).toFixed(2)} s, write ${(r.phasesMs.write / 1000).toFixed(2)} s (of which social cards ${(r.phasesMs.cards / 1000).toFixed(2)} s: ${r.cards.rendered} drawn, ${r.cards.cached} from the cache; search index ${(r.phasesMs.search / 1000).toFixed(2)} s, ${r.search})`;
rows.push({
  name: 'onix (cold cache)',
  seconds: coldS,
  cpu: lastCpu,
  note: `${cold.parsed.parsed} pages parsed, ${cold.highlighted.tokenized} blocks highlighted, ${cold.workers} workers; ${phases(cold)}`,
});
const [warm, warmS] = await time(() => buildSite({ contentDir: corpus, outDir: join(root, 'out-onix'), cacheDir: cache, gitDates: false }));
rows.push({
  name: 'onix (warm cache)',
  seconds: warmS,
  cpu: lastCpu,
  note: `${warm.parsed.parsed} pages parsed, ${warm.rendered.cached} pages from the cache; ${phases(warm)}`,
});

if (!values['no-eleventy']) {
  // An empty config file, so Eleventy does not look for one in the repository.
  const configPath = join(root, 'eleventy.config.mjs');
  await writeFile(configPath, 'export default function (config) { config.setUseGitIgnore(false); }\n');
  const eleventyModule = '@11ty/eleventy';
  const { default: Eleventy } = (await import(eleventyModule)) as {
    default: new (input: string, output: string, options: Record<string, unknown>) => { write(): Promise<unknown> };
  };
  const [, s] = await time(async () => {
    const elev = new Eleventy(corpus, join(root, 'out-eleventy'), { quietMode: true, configPath });
    await elev.write();
  });
  rows.push({ name: 'eleventy', seconds: s, cpu: lastCpu, note: 'markdown-it, no highlighting, no layout' });
}

if (!values['no-hugo']) {
  const hugoSite = join(root, 'hugo');
  await rm(hugoSite, { recursive: true, force: true });
  await mkdir(join(hugoSite, 'layouts/_default'), { recursive: true });
  await writeFile(
    join(hugoSite, 'hugo.toml'),
    'baseURL = "https://example.org/"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n[markup.highlight]\n  noClasses = false\n',
  );
  await writeFile(
    join(hugoSite, 'layouts/_default/single.html'),
    '<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}</body></html>\n',
  );
  await writeFile(join(hugoSite, 'layouts/_default/list.html'), '<!doctype html><html><body>{{ .Content }}</body></html>\n');
  const hugoContent = join(hugoSite, 'content');
  await writeCorpus(hugoContent);
  const [r, s] = await time(async () => spawnSync('hugo', ['--quiet', '-s', hugoSite, '-d', join(root, 'out-hugo')], { encoding: 'utf8' }));
  if (r.error || r.status !== 0) rows.push({ name: 'hugo', seconds: NaN, cpu: lastCpu, note: `did not run: ${r.error?.message ?? r.stderr.split('\n')[0]}` });
  else rows.push({ name: 'hugo', seconds: s, cpu: lastCpu, note: 'Chroma highlighting, minimal layout' });
}

// The dev server: one edit, then re-read, re-check and re-render of that page.
const dev = await DevSite.start({ contentDir: corpus, cacheDir: cache });
const edits = Number(values.edits);
const times: number[] = [];
for (let e = 0; e < edits; e++) {
  const i = 100 + e;
  const file = join(corpus, `p${String(i).padStart(5, '0')}.md`);
  await writeFile(file, pageMarkdown(i).replace('## Section 2', `## Section 2\n\nEdited ${e}.`));
  times.push((await dev.fileChanged(file)).ms);
}
const navFile = join(corpus, 'p00003.md');
await writeFile(navFile, pageMarkdown(3).replace('title: Page 3', 'title: Renamed page 3'));
const navMs = (await dev.fileChanged(navFile)).ms;
const [, navRenderS] = await time(async () => dev.pageHtml('/p00004/'));
await dev.close();
await writeFile(navFile, pageMarkdown(3));
times.sort((a, b) => a - b);

const ours = rows[0]!.seconds;
console.log('');
console.log('generator            wall s   pages/s   CPU s   time vs onix cold   note');
for (const row of rows) {
  console.log(
    `${row.name.padEnd(20)} ${row.seconds.toFixed(2).padStart(6)} ${rate(row.seconds).toFixed(0).padStart(9)} ${row.cpu.toFixed(2).padStart(7)}   ${(row.seconds / ours).toFixed(2).padStart(16)}x   ${row.note}`,
  );
}
console.log(
  `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (wall times include waiting for a busy CPU; CPU seconds do not)`,
);
const eleventy = rows.find((r) => r.name === 'eleventy');
if (eleventy) {
  console.log(
    `\nspeed relative to Eleventy (wall): onix cold ${(eleventy.seconds / ours).toFixed(2)}x, warm ${(eleventy.seconds / rows[1]!.seconds).toFixed(2)}x`,
  );
  console.log(`CPU relative to Eleventy: onix cold uses ${(rows[0]!.cpu / eleventy.cpu).toFixed(2)}x, warm ${(rows[1]!.cpu / eleventy.cpu).toFixed(2)}x`);
}
const hugo = rows.find((r) => r.name === 'hugo' && Number.isFinite(r.seconds));
if (hugo) {
  // Cards and the search index run side by side at the end of a build; Hugo makes neither.
  const extras = Math.max(cold.phasesMs.cards, cold.phasesMs.search) / 1000;
  console.log(
    `\ntime relative to Hugo: onix cold ${(ours / hugo.seconds).toFixed(2)}x, warm ${(rows[1]!.seconds / hugo.seconds).toFixed(2)}x; ` +
      `the same work as Hugo (cold, less the ${extras.toFixed(2)} s of social cards and search index, which Hugo does not make) ${((ours - extras) / hugo.seconds).toFixed(2)}x`,
  );
}
console.log(
  `dev rebuild after one edit (${edits} edits, ${N} pages): median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
);
console.log(`dev rebuild after a title change (nav): ${navMs.toFixed(1)} ms, then each other page on request: ${(navRenderS * 1000).toFixed(1)} ms`);

// Social cards on one thread: ours (shared backdrop, the text's rows, unfiltered PNG) against
// resvg rendering and encoding each whole card, on the corpus's first pages.
const logo = readFileSync(resolve('generator/site/assets/logo.svg'), 'utf8');
const cardTexts = Array.from({ length: 200 }, (_, i) => ({
  title: `Page ${i} ${words[i % words.length]} ${words[(i * 7) % words.length]}${i % 3 ? ' and a longer title that wraps' : ''}`,
  kicker: i % 2 ? 'guide' : '',
  description: `${words.slice(0, 4 + (i % 12)).join(' ')}.`,
  siteName: 'ONIX',
  host: 'onix-os.com',
}));
const cardRun = (draw: (t: (typeof cardTexts)[number]) => Buffer): { ms: number; kb: number } => {
  draw(cardTexts[0]!);
  const t = performance.now();
  const bytes = cardTexts.reduce((n, text) => n + draw(text).length, 0);
  return { ms: (performance.now() - t) / cardTexts.length, kb: bytes / cardTexts.length / 1024 };
};
const ourCards = cardRun((text) => renderCard(text, logo));
const wholeCards = cardRun((text) => renderPng(cardSvg(text, logo), undefined, true));
console.log(
  `social cards, one thread, ${cardTexts.length} cards: ours ${ourCards.ms.toFixed(1)} ms and ${ourCards.kb.toFixed(1)} KB a card, ` +
    `resvg whole card ${wholeCards.ms.toFixed(1)} ms and ${wholeCards.kb.toFixed(1)} KB (ours takes ${(ourCards.ms / wholeCards.ms).toFixed(2)}x the time)`,
);
