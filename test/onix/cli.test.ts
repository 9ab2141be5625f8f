// The onix command line: help and version, and every bad input a user can
// cause: one clear line on stderr, a documented non-zero exit, no stack
// trace, nothing changed on disk.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, EXIT_DOCS } from '../../onix/cli/commands.ts';
import { cleanup, lines, makeRoot, onix, tempDir, treeDigest } from './helpers.ts';

function assertOneLine(r: { status: number | null; stdout: string; stderr: string }, code: number, message: RegExp): void {
  assert.equal(r.status, code, `${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(lines(r.stderr).length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr.trim(), message);
}

describe('onix command line', () => {
  after(cleanup);

  it('--version, --help, and --help for every command with its exit codes', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(onix(['--version']).stdout, `onix ${pkg.version}\n`);
    const help = onix(['--help']);
    assert.equal(help.status, 0);
    for (const c of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${c.name} +\\S`, 'm'));
    for (const code of Object.keys(EXIT_DOCS)) assert.match(help.stdout, new RegExp(`^  ${code}  \\S`, 'm'));
    for (const c of COMMANDS) {
      const r = onix([c.name, '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, new RegExp(`^usage: onix ${c.name}`));
      const exits = r.stdout.slice(r.stdout.indexOf('exit codes:'));
      for (const code of c.exits) assert.match(exits, new RegExp(`^  ${code}  ${EXIT_DOCS[code].slice(0, 20).replace(/[()]/g, '\\$&')}`, 'm'));
      for (const o of c.options) assert.match(r.stdout, new RegExp(`--${o.name}`));
    }
    const bare = onix([]);
    assert.equal(bare.status, 2);
    assert.match(bare.stdout, /^usage: onix/);
  });

  it('unknown command or option, missing values: usage errors (exit 2)', () => {
    assertOneLine(onix(['frobnicate']), 2, /^onix: unknown command: frobnicate \(commands: status, rollback, gc, doctor, owner, contract, update, mirror\)$/);
    assertOneLine(onix(['status', '--frob']), 2, /^onix: unknown option: --frob for onix status \(see onix status --help\)$/);
    assertOneLine(onix(['status', '-x']), 2, /^onix: unknown option: -x/);
    assertOneLine(onix(['contract', '--keep', '3']), 2, /^onix: unknown option: --keep for onix contract/);
    assertOneLine(onix(['status', '--root']), 2, /^onix: option --root needs a value \(DIR\)$/);
    assertOneLine(onix(['status', '--json=yes']), 2, /^onix: option --json takes no value$/);
    assertOneLine(onix(['status', 'extra']), 2, /^onix: onix status: unexpected argument: extra$/);
  });

  it('a missing root, a non-ONIX root, a corrupt or unreadable state database: exit 3, nothing changed', () => {
    assertOneLine(onix(['--root', '/nonexistent/root', 'status']), 3, /^onix: --root \/nonexistent\/root: no such directory$/);
    const empty = tempDir();
    assertOneLine(onix(['--root', empty, 'status']), 3, new RegExp(`^onix: not an ONIX root: ${empty}/usr/\\.stateID does not exist$`));

    const corrupt = makeRoot();
    const db = join(corrupt.root, '.moss/db/state');
    writeFileSync(db, 'this is not SQLite, it is a text file of some length '.repeat(100));
    const digest = treeDigest(corrupt.root);
    for (const cmd of [['status'], ['doctor'], ['rollback'], ['gc'], ['update']]) {
      assertOneLine(
        onix(['--root', corrupt.root, '--moss', '/bin/false', ...cmd]),
        3,
        new RegExp(`^onix: cannot read moss state database ${db}: file is not a database$`),
      );
    }
    assert.equal(treeDigest(corrupt.root), digest);

    const unreadable = makeRoot();
    const udb = join(unreadable.root, '.moss/db/state');
    rmSync(udb);
    mkdirSync(udb);
    assertOneLine(
      onix(['--root', unreadable.root, 'status']),
      3,
      /^onix: cannot read moss state database .*\/\.moss\/db\/state: (cannot open it \(missing or unreadable\)|disk I\/O error)$/,
    );

    const badId = makeRoot();
    writeFileSync(join(badId.root, 'usr/.stateID'), 'banana');
    assertOneLine(onix(['--root', badId.root, 'status']), 3, /^onix: .*usr\/\.stateID does not hold a state id \(found "banana"\)$/);
  });

  it('onix.js rebuilds its cached bundle only when a source changed', () => {
    const cache = tempDir();
    const env = { ONIX_CACHE_DIR: cache };
    assert.equal(onix(['contract'], env).status, 0);
    const bundle = join(cache, 'onix.cjs');
    const built = statSync(bundle).mtimeMs;
    const { root, inputs } = JSON.parse(readFileSync(join(cache, 'inputs.json'), 'utf8')) as { root: string; inputs: [string, number, number][] };
    assert.ok(inputs.some(([p]) => p === 'onix/cli/main.ts') && inputs.some(([p]) => p === 'onix/contract.ts'));
    assert.equal(onix(['contract'], env).status, 0);
    assert.equal(statSync(bundle).mtimeMs, built, 'rebuilt without a change');
    // Record an older mtime for one input: it now looks changed.
    writeFileSync(join(cache, 'inputs.json'), JSON.stringify({ root, inputs: inputs.map(([p, m, s]) => [p, p === 'onix/contract.ts' ? m - 1000 : m, s]) }));
    assert.equal(onix(['contract'], env).status, 0);
    assert.notEqual(statSync(bundle).mtimeMs, built, 'not rebuilt after a change');
  });
});
