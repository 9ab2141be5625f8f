// Round trip: every page in content/ and the spec fixtures reads the same after its console
// blocks are written back from what was parsed (parse → render → parse gives the same cases),
// and `--update` leaves green pages byte for byte.
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMarkdown } from '../../generator/content/parse.ts';
import { extractPage, sourceLines } from '../../generator/spec/extract.ts';
import { renderTranscript } from '../../generator/spec/render/transcript.ts';
import type { ExtractedPage } from '../../generator/spec/types.ts';
import { applyEdits, type Edit } from '../../generator/spec/update.ts';
import { FIX, ROOT, run, tempDir } from './helpers.ts';

const pages = [
  ...readdirSync(join(ROOT, 'content'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `content/${f}`),
  ...readdirSync(join(ROOT, FIX))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `${FIX}/${f}`),
  ...readdirSync(join(ROOT, FIX, 'errors')).map((f) => `${FIX}/errors/${f}`),
  'test/spec/selftest.md',
];

/** What a page means to the runner, without source positions. */
function meaning(page: ExtractedPage): unknown {
  return {
    errors: page.errors.map((e) => e.detail),
    cases: page.cases.map((c) => ({
      title: c.title,
      kind: c.kind,
      needs: c.needs,
      blocks: c.blocks.map((b) =>
        b.kind === 'contract-row'
          ? { surface: b.surface, owner: b.owner }
          : {
              options: b.options,
              commands: b.commands.map((cmd) => ({
                command: cmd.command,
                stdout: cmd.stdout.map((l) => l.text),
                stderr: cmd.stderr.map((l) => l.text),
                status: cmd.status,
                reboot: cmd.reboot,
              })),
            },
      ),
    })),
  };
}

/** Rewrite every console block's body from its parsed commands. */
function renderBack(file: string, source: string, page: ExtractedPage): string {
  const lines = sourceLines(source);
  const edits: Edit[] = [];
  for (const c of page.cases) {
    for (const b of c.blocks) {
      if (b.kind !== 'transcript') continue;
      // The body runs from the line after the opening fence to the line before the closing one.
      let last = b.line;
      while (last < lines.length && !/^(?:[ \t]*>)*[ \t]*(`{3,}|~{3,})[ \t]*$/.test(lines[last])) last++;
      edits.push({ first: b.line + 1, last, lines: renderTranscript(b.commands).map((l) => (l === '' ? b.prefix.trimEnd() : b.prefix + l)) });
    }
  }
  assert.ok(edits.length > 0 || page.errors.length > 0 || !source.includes('```console'), `${file}: its blocks were found`);
  return applyEdits(source, edits);
}

describe('round trip', () => {
  for (const file of pages) {
    it(`${file}: parse → render back → parse gives the same cases`, () => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const first = extractPage(parseMarkdown(file, source));
      const back = renderBack(file, source, first);
      assert.deepEqual(meaning(extractPage(parseMarkdown(file, back))), meaning(first));
    });
  }

  it('the same page with CRLF endings, a BOM, tabs and no final newline reads the same (finding 3)', () => {
    const source = readFileSync(join(ROOT, FIX, 'pass.md'), 'utf8');
    const plain = meaning(extractPage(parseMarkdown('p.md', source)));
    const variants = {
      crlf: source.replace(/\n/g, '\r\n'),
      bom: `\ufeff${source}`,
      'no final newline': source.replace(/\n+$/, ''),
      'CRLF, BOM, no final newline': `\ufeff${source.replace(/\n+$/, '').replace(/\n/g, '\r\n')}`,
    };
    for (const [name, text] of Object.entries(variants)) assert.deepEqual(meaning(extractPage(parseMarkdown('p.md', text))), plain, name);
    const tabs = extractPage(parseMarkdown('t.md', '# T\n\n```console\n$\tprintf "a\\tb\\n"\na\tb\n```\n'));
    assert.deepEqual(tabs.errors, []);
    assert.equal(tabs.cases[0].blocks.length, 1);
  });

  it('--update on green pages is byte-identical (LF and CRLF)', async () => {
    const dir = tempDir();
    const files = ['pass.md', 'ok.md', 'bless.expected.md'];
    for (const f of files) copyFileSync(join(ROOT, FIX, f), join(dir, f));
    writeFileSync(join(dir, 'crlf.md'), readFileSync(join(ROOT, FIX, 'pass.md'), 'utf8').replace(/\n/g, '\r\n'));
    files.push('crlf.md');
    const before = files.map((f) => readFileSync(join(dir, f), 'utf8'));
    const r = await run(files, { cwd: dir, update: true, outDir: join(dir, '.spec') });
    assert.equal(r.exitCode, 0, r.output.join('\n'));
    assert.deepEqual(r.updated?.updated, []);
    assert.deepEqual(
      files.map((f) => readFileSync(join(dir, f), 'utf8')),
      before,
    );
  });
});
