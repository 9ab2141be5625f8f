import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPage } from '../../generator/content/load.ts';
import { parseMarkdown } from '../../generator/content/parse.ts';
import { extractPage } from '../../generator/spec/extract.ts';
import { parseBlockOptions } from '../../generator/spec/options.ts';
import type { TranscriptBlock } from '../../generator/spec/types.ts';

const FIX = 'test/spec/fixtures';
const errorsOf = async (name: string) => extractPage(await loadPage(`${FIX}/errors/${name}`)).errors.map((e) => e.message);

describe('extraction', () => {
  it('turns heading sections into cases, console blocks into commands with file and line', async () => {
    const page = await loadPage(`${FIX}/pass.md`);
    const x = extractPage(page);
    assert.deepEqual(x.errors, []);
    assert.equal(x.contentHash, page.contentHash);
    assert.deepEqual(x.cases.map((c) => [c.id, c.title]).slice(0, 3), [
      [`${FIX}/pass.md:7`, 'Exact output'],
      [`${FIX}/pass.md:21`, 'Wildcards within a line'],
      [`${FIX}/pass.md:30`, 'Skipping lines'],
    ]);
    const exact = x.cases[0].blocks[0] as TranscriptBlock;
    assert.equal(exact.id, `${FIX}/pass.md:9`);
    assert.deepEqual(
      exact.commands.map((c) => [c.line, c.command, c.stdout.map((l) => l.text)]),
      [
        [10, 'echo hello', ['hello']],
        [12, "printf 'a\\n\\nb\\n'", ['a', '', 'b']],
        [16, 'echo one \\\ntwo', ['one two']],
      ],
    );
    const status = x.cases.find((c) => c.title === 'Exit status')!.blocks[0] as TranscriptBlock;
    assert.deepEqual(
      status.commands.map((c) => [c.status, c.statusLine, c.stdout.length]),
      [
        [3, 59, 1],
        [1, 61, 0],
      ],
    );
    const separate = x.cases.find((c) => c.title === 'Stderr apart')!.blocks[0] as TranscriptBlock;
    assert.equal(separate.options.stderrSeparate, true);
    assert.deepEqual(
      separate.commands[0].stdout.map((l) => l.text),
      ['out'],
    );
    assert.deepEqual(
      separate.commands[0].stderr.map((l) => l.text),
      ['err'],
    );
    const captures = x.cases.find((c) => c.title === 'Captures across blocks')!;
    assert.equal(captures.blocks.length, 2, 'two blocks of one section are one case');
    const skipped = x.cases.at(-1)!.blocks[0] as TranscriptBlock;
    assert.deepEqual([skipped.options.skip, skipped.options.skipReason], [true, 'only-on-the-vm']);
  });

  it('keeps transcripts before any heading as a case named after the page', () => {
    const x = extractPage(parseMarkdown('p.md', '---\ntitle: Intro\n---\n\n```console\n$ true\n```\n\n# Later\n\n```console\n$ true\n```\n'));
    assert.deepEqual(
      x.cases.map((c) => [c.id, c.title]),
      [
        ['p.md:5', 'Intro'],
        ['p.md:9', 'Later'],
      ],
    );
  });

  it('records reboot commands and needs= as what a case needs', async () => {
    const x = extractPage(await loadPage(`${FIX}/reboot.md`));
    assert.deepEqual(
      x.cases.map((c) => c.needs),
      [['reboot'], ['kernel'], ['crash']],
    );
    assert.equal((x.cases[0].blocks[0] as TranscriptBlock).commands[1].reboot, true);
  });

  it('finds the marked contract table and its rows', async () => {
    const x = extractPage(await loadPage(`${FIX}/contract.md`));
    assert.deepEqual(x.errors, []);
    assert.equal(x.cases.length, 1);
    assert.equal(x.cases[0].kind, 'contract');
    assert.deepEqual(
      x.cases[0].blocks.map((b) => b.kind === 'contract-row' && [b.id, b.surface, b.owner]),
      [
        [`${FIX}/contract.md:7`, '/usr', 'moss'],
        [`${FIX}/contract.md:8`, '/nix', 'Nix'],
        [`${FIX}/contract.md:9`, '/home', 'moss'],
      ],
    );
  });

  it('keeps the container prefix of blocks inside lists for --update', () => {
    const x = extractPage(parseMarkdown('l.md', '# L\n\n1. Step:\n\n   ```console\n   $ echo hi\n   hi\n   ```\n'));
    const b = x.cases[0].blocks[0] as TranscriptBlock;
    assert.equal(b.prefix, '   ');
    assert.deepEqual(b.commands[0].outputRange, { first: 7, last: 7 });
  });
});

describe('spec errors (file:line: message)', () => {
  it('unknown and malformed options', async () => {
    assert.deepEqual(await errorsOf('options.md'), [
      `${FIX}/errors/options.md:3: unknown block option "colour" (known: user=NAME, timeout=SECONDS, skip or skip=REASON, stderr=separate|merged, needs=kernel|reboot|crash[,...], artifacts=/ABSOLUTE/PATH[,...])`,
      `${FIX}/errors/options.md:8: bad value for block option: "timeout=soon" (expected timeout=SECONDS)`,
      `${FIX}/errors/options.md:13: bad value for block option: "stderr=both" (expected stderr=separate|merged)`,
      `${FIX}/errors/options.md:18: block option "user" given twice`,
    ]);
  });

  it('captures used before they are bound, and bad regexes', async () => {
    const errors = await errorsOf('captures.md');
    assert.equal(errors.length, 3);
    assert.equal(errors[0], `${FIX}/errors/captures.md:4: capture {{early}} is used in a command before any output line of this case bound it`);
    assert.equal(errors[1], `${FIX}/errors/captures.md:12: capture {{n}} is used in a regex line before it is bound (bind it in a plain output line first)`);
    assert.match(errors[2], /^test\/spec\/fixtures\/errors\/captures\.md:14: bad regular expression: /);
  });

  it('output before a command, blocks without commands, bad contract tables, unknown markers', async () => {
    assert.deepEqual(await errorsOf('structure.md'), [
      `${FIX}/errors/structure.md:4: output before the first "$ " command (a console block starts with a command)`,
      `${FIX}/errors/structure.md:9: console block has no "$ " command (use another language for plain text)`,
      `${FIX}/errors/structure.md:15: contract table must have the columns Surface | Owner | Reason (found Path | Owner | Why)`,
      `${FIX}/errors/structure.md:19: contract marker is not followed by a table`,
      `${FIX}/errors/structure.md:23: unknown spec marker <!-- spec: contracts --> (known: <!-- spec: contract -->)`,
    ]);
  });

  it('a block whose closing fence is missing swallows the next one: a spec error, not a silent pass', async () => {
    assert.deepEqual(await errorsOf('swallowed.md'), [
      `${FIX}/errors/swallowed.md:11: a fence opener inside this console block (\`\`\`console): its closing fence is missing`,
    ]);
  });

  it('an unclosed block', async () => {
    assert.deepEqual(await errorsOf('unclosed.md'), [
      `${FIX}/errors/unclosed.md:3: unclosed \`\`\`console block (no closing fence before the end of its container)`,
    ]);
  });

  it('marks only the cases holding an error as broken', async () => {
    const x = extractPage(await loadPage(`${FIX}/errors/structure.md`));
    const runnable = x.cases.filter((c) => !x.brokenCases.has(c.id));
    assert.equal(runnable.length, 0, 'the section holds the errors, so its case does not run');
    const y = extractPage(parseMarkdown('m.md', '# Bad\n\n```console nope\n$ true\n```\n\n# Good\n\n```console\n$ true\n```\n'));
    assert.deepEqual([...y.brokenCases], ['m.md:1']);
    assert.equal(y.cases.length, 2);
  });
});

describe('block options', () => {
  it('parses every option and its default', () => {
    assert.deepEqual(parseBlockOptions(''), { ok: true, options: { timeoutSec: 60, skip: false, stderrSeparate: false, needs: [] } });
    const r = parseBlockOptions('user=alice timeout=2.5 skip="not yet" stderr=separate needs=kernel,reboot');
    assert.deepEqual(r, {
      ok: true,
      options: { user: 'alice', timeoutSec: 2.5, skip: true, skipReason: 'not yet', stderrSeparate: true, needs: ['kernel', 'reboot'] },
    });
    assert.equal(parseBlockOptions('needs=gpu').ok, false);
    assert.equal(parseBlockOptions('timeout=0').ok, false);
  });
});
