// The stone container against upstream. Expected values come from os-tools at ffff7d4b: the
// header bytes its own test pins (crates/stone/src/read/mod.rs:380-383), its recipes
// (test/conflicts/*.yml) and the stones boulder built from them, kept byte for byte in
// test/fixtures/upstream-stones/ (zstd-compressed, as boulder writes them). The stand-in's
// own output is checked against those, never used as the reference.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { xxhash3 } from 'hash-wasm';
import { decompress } from 'fzstd';
import { assetRelPath, digestBigInt, loadXxh3, xxh3Bytes, xxh3Stream64 } from '../../onix/moss/xxh3.ts';
import { readIndexFile, readStone, readStoneMetaAndLayout, stoneFileName, unpackStoneFile, writeIndexFile } from '../../onix/moss/stone-file.ts';
import {
  decodeHeader,
  decodeMetaRecord,
  decodeLayoutRecord,
  decodePayloadHeader,
  decodeRecords,
  encodeHeader,
  encodeLayoutRecord,
  encodeMetaRecord,
  encodeIndexRecord,
  decodeIndexRecord,
  encodePayloadHeader,
  HEADER_SIZE,
  PAYLOAD_HEADER_SIZE,
} from '../../onix/moss/stone-format.ts';
import { metaFromRecords, metaRecords } from '../../onix/moss/stone-meta.ts';
import { addStone, scratchRoot } from './fixture.ts';
import { runMoss } from '../../onix/moss/cli.ts';

await loadXxh3();

const UPSTREAM = join(import.meta.dirname, '../fixtures/upstream-stones');
const upstream = (name: string) => join(UPSTREAM, name);

/** Every payload of a stone file as stored: header and bytes (a reading independent of stone-file.ts). */
function rawPayloads(
  file: string,
): { kind: number; compression: number; numRecords: number; storedSize: number; plainSize: number; checksum: bigint; stored: Buffer }[] {
  const b = readFileSync(file);
  const n = b.readUInt16BE(4);
  const out = [];
  let at = HEADER_SIZE;
  for (let i = 0; i < n; i++) {
    const h = decodePayloadHeader(b.subarray(at, at + PAYLOAD_HEADER_SIZE));
    at += PAYLOAD_HEADER_SIZE;
    out.push({ ...h, stored: b.subarray(at, at + h.storedSize) });
    at += h.storedSize;
  }
  assert.equal(at, b.length, 'payloads end where the file ends');
  return out;
}

const plain = (p: { compression: number; stored: Buffer }) => (p.compression === 2 ? Buffer.from(decompress(p.stored)) : p.stored);

test('the file header: "\\0mos", payload count, the v1 integrity bytes, file type, version 1 (read/mod.rs:380-383 BASH_TEST_STONE; header/mod.rs:15; header/v1.rs:7, 61-71)', () => {
  // Upstream's test constant, copied from its source.
  const bash = Buffer.from([
    0x0, 0x6d, 0x6f, 0x73, 0x0, 0x4, 0x0, 0x0, 0x1, 0x0, 0x0, 0x2, 0x0, 0x0, 0x3, 0x0, 0x0, 0x4, 0x0, 0x0, 0x5, 0x0, 0x0, 0x6, 0x0, 0x0, 0x7, 0x1, 0x0, 0x0,
    0x0, 0x1,
  ]);
  assert.deepEqual(decodeHeader(bash, 'x'), { numPayloads: 4, fileType: 1 });
  assert.deepEqual(encodeHeader({ numPayloads: 4, fileType: 1 }), bash);
  assert.deepEqual(readFileSync(upstream('bash-completion-2.11-1-1-x86_64.stone')).subarray(0, 32), bash);
  const bad = Buffer.from(bash);
  bad[1] = 0x4e;
  assert.throws(() => decodeHeader(bad, 'x'), /invalid magic/);
  const corrupt = Buffer.from(bash);
  corrupt[10] = 9;
  assert.throws(() => decodeHeader(corrupt, 'x'), /failed integrity check/);
  const v2 = Buffer.from(bash);
  v2[31] = 2;
  assert.throws(() => decodeHeader(v2, 'x'), /unknown stone version: 2/);
});

test("upstream's bash-completion stone: every index entry's bytes hash to its digest and a layout entry names that digest (read/mod.rs:391-430 read_bash_completion)", () => {
  const file = upstream('bash-completion-2.11-1-1-x86_64.stone');
  const s = readStone(file);
  assert.ok(s.content && s.index.length > 0);
  const content = plain(rawPayloads(file).find((p) => p.kind === 2)!);
  const digests = new Set(s.layout.filter((l) => l.fileType === 1).map((l) => l.source.toString('hex')));
  for (const i of s.index) {
    // xxh3.ts is checked against the reference C library in conformance.test.ts.
    assert.equal(xxh3Bytes(content.subarray(i.start, i.end)), i.digest.toString(10));
    assert.ok(digests.has(i.digest.toString(16).padStart(32, '0')), `a layout entry for ${i.digest}`);
  }
});

test("each upstream payload's checksum is the XXH3-64 of its stored bytes (read/mod.rs:262-270, 344-353; write.rs:266-301)", async () => {
  for (const f of readdirSync(UPSTREAM).filter((n) => n.endsWith('.stone'))) {
    for (const p of rawPayloads(upstream(f))) assert.equal(BigInt(`0x${await xxhash3(p.stored)}`), p.checksum, `${f} payload ${p.kind}`);
  }
});

test('the conflicts test stones carry what their recipes say, in Meta::to_stone_payload order (test/conflicts/*.yml; package/meta.rs:70-117, 120-205)', () => {
  const pineapple = readStoneMetaAndLayout(upstream('pineapple-1-1-1-x86_64.stone'));
  assert.equal(pineapple.meta.name, 'pineapple');
  assert.equal(pineapple.meta.version, '1');
  assert.equal(pineapple.meta.release, 1);
  assert.equal(pineapple.meta.buildRelease, 1);
  assert.equal(pineapple.meta.summary, 'Delicious slices of pineapples');
  assert.equal(pineapple.meta.description, 'Can I be on your pizza?');
  assert.deepEqual(pineapple.meta.licenses, ['Zlib']);
  assert.deepEqual(pineapple.meta.providers, ['name(pineapple)']);
  // `touch %(installroot)/%(vendordir)/pienapple`: an empty regular file, its path below /usr (collect.rs:208).
  assert.deepEqual(
    pineapple.layout.map((e) => [e.type, e.path]),
    [['regular', 'share/defaults/pienapple']],
  );
  // meta.rs:70-80: every one of the nine fields is required; the error prints the tag's Debug name.
  const records = readStone(upstream('pineapple-1-1-1-x86_64.stone')).metas[0]!;
  assert.throws(() => metaFromRecords(records.filter((r) => r.tag !== 7)), /^MossError: Missing metadata field: SourceID$/);
  const pizza = readStoneMetaAndLayout(upstream('italian-pizza-1-1-1-x86_64.stone'));
  assert.equal(pizza.meta.description, 'Me no like pineapples.');
  assert.deepEqual(pizza.meta.conflicts, ['name(pineapple)']);
});

test("re-encoding upstream's meta, layout and index payloads gives upstream's bytes (meta.rs:219-261; layout.rs:186-206; index.rs:33-38)", () => {
  // The pizza stones come from today's boulder. bash-completion's predates it: its layout
  // strings end in NUL, which the reader trims (layout.rs:126-128 `sanitize`) and today's
  // writer does not add, so it is read above but not re-encoded here.
  for (const f of ['pineapple-1-1-1-x86_64.stone', 'italian-pizza-1-1-1-x86_64.stone']) {
    for (const p of rawPayloads(upstream(f))) {
      const bytes = plain(p);
      assert.equal(bytes.length, p.plainSize, `${f} payload ${p.kind} plain size`);
      if (p.kind === 1) assert.deepEqual(Buffer.concat(decodeRecords(bytes, p.numRecords, decodeMetaRecord, f).map(encodeMetaRecord)), bytes, `${f} meta`);
      if (p.kind === 3)
        assert.deepEqual(Buffer.concat(decodeRecords(bytes, p.numRecords, decodeLayoutRecord, f).map(encodeLayoutRecord)), bytes, `${f} layout`);
      if (p.kind === 4) assert.deepEqual(Buffer.concat(decodeRecords(bytes, p.numRecords, decodeIndexRecord, f).map(encodeIndexRecord)), bytes, `${f} index`);
    }
  }
  // The stand-in's metadata writer puts the records where to_stone_payload does: the pizza
  // stones (built by boulder from this tree) round-trip to the same bytes.
  for (const f of ['pineapple-1-1-1-x86_64.stone', 'italian-pizza-1-1-1-x86_64.stone']) {
    const meta = rawPayloads(upstream(f)).find((p) => p.kind === 1)!;
    const records = decodeRecords(plain(meta), meta.numRecords, decodeMetaRecord, f);
    assert.deepEqual(Buffer.concat(metaRecords(metaFromRecords(records).meta).map(encodeMetaRecord)), plain(meta), f);
  }
});

test('unpacking an upstream (zstd) stone puts each file in the store under its digest (client/cache.rs:228-331)', () => {
  const store = mkdtempSync(join(tmpdir(), 'stone-store-'));
  try {
    const file = upstream('bash-completion-2.11-1-1-x86_64.stone');
    const { layout } = unpackStoneFile(file, (h) => join(store, assetRelPath(h)));
    const s = readStone(file);
    for (const i of s.index) assert.equal(statSync(join(store, assetRelPath(i.digest.toString(10)))).size, i.end - i.start);
    assert.equal(layout.filter((e) => e.type === 'regular').length >= s.index.length, true);
    // An asset already there is kept only when it hashes to its digest (cache.rs:276-303 is_unpacked_already).
    const asset = join(store, assetRelPath(s.index[0]!.digest.toString(10)));
    writeFileSync(asset, 'damaged');
    unpackStoneFile(file, (h) => join(store, assetRelPath(h)));
    assert.equal(xxh3Bytes(readFileSync(asset)), s.index[0]!.digest.toString(10));
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test('the stand-in writes a binary stone as boulder does: Meta, Layout, Index, then Content, files deduplicated largest first, named <name>-<version>-<release>-<build>-<arch>.stone (emit.rs:56-61, 203-293; write.rs:303-340)', () => {
  const s = scratchRoot();
  try {
    const stone = addStone(
      s.repo,
      { name: 'hello', version: '2.1', release: 4, licenses: ['MIT'], conflicts: ['name(goodbye)'] },
      {
        'bin/hello': '#!/bin/sh\necho hello world\n',
        'share/hello/small': 'x',
        'share/hello/same-as-small': 'x',
        'share/hello/big': 'b'.repeat(5000),
        'share/hello/link': '->big',
      },
    );
    assert.equal(stone.uri, 'stones/hello-2.1-4-1-x86_64.stone');
    assert.equal(stoneFileName(stone.meta), 'hello-2.1-4-1-x86_64.stone');
    const file = join(s.repo.dir, stone.uri!);
    const raw = rawPayloads(file);
    assert.deepEqual(decodeHeader(readFileSync(file), file), { numPayloads: 4, fileType: 1 });
    assert.deepEqual(
      raw.map((p) => p.kind),
      [1, 3, 4, 2],
    );
    // Uncompressed payloads, which upstream's reader takes as they are (read/mod.rs:153).
    assert.deepEqual(
      raw.map((p) => p.compression),
      [1, 1, 1, 1],
    );
    const index = decodeRecords(raw[2].stored, raw[2].numRecords, decodeIndexRecord, 'index');
    assert.deepEqual(
      index.map((i) => i.end - i.start),
      [5000, 27, 1],
    );
    assert.equal(raw[3].numRecords, 0);
    assert.equal(raw[3].storedSize, 5028);
    const back = readStoneMetaAndLayout(file);
    assert.deepEqual(
      back.layout,
      stone.layout.map((e) => ({ uid: 0, gid: 0, mode: 0o120777, ...e })),
    );
    assert.deepEqual(back.meta.conflicts, ['name(goodbye)']);
    assert.deepEqual(back.meta.providers, ['name(hello)']);
  } finally {
    s.dispose();
  }
});

test('an uncompressed stone unpacks in one read: every asset under its digest with its mode, and nothing (no partial file either) when the checksum or a digest is wrong (cache.rs:253-331)', () => {
  const s = scratchRoot();
  const store = mkdtempSync(join(tmpdir(), 'stone-store-'));
  const files = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  try {
    const stone = addStone(
      s.repo,
      { name: 'hello', version: '1', release: 1 },
      { 'bin/hello': 'h'.repeat(3 << 20), 'share/a': 'a', 'share/empty': '', 'share/b': 'b'.repeat(70_000) },
    );
    const file = join(s.repo.dir, stone.uri!);
    const assetOf = (h: string) => join(store, assetRelPath(h));
    const good = readFileSync(file);
    const index = readStone(file).index;
    const { layout } = unpackStoneFile(file, assetOf);
    for (const i of index) {
      const asset = assetOf(i.digest.toString(10));
      assert.equal(xxh3Bytes(readFileSync(asset)), i.digest.toString(10));
      assert.equal(statSync(asset).size, i.end - i.start);
    }
    const hello = layout.find((e) => e.path === '/usr/bin/hello' || e.path.endsWith('bin/hello'));
    assert.ok(hello?.type === 'regular');
    assert.equal(statSync(assetOf(hello.hash)).mode & 0o7777, hello.mode & 0o7777);
    assert.equal(files(store).length, index.length);

    // A damaged asset is rewritten; the others are kept.
    const big = assetOf(index[0]!.digest.toString(10));
    writeFileSync(big, 'damaged');
    unpackStoneFile(file, assetOf);
    assert.equal(xxh3Bytes(readFileSync(big)), index[0]!.digest.toString(10));

    // A flipped byte in the content: the payload checksum fails and no asset, partial or whole, is left.
    rmSync(store, { recursive: true, force: true });
    const contentAt = good.length - 100;
    const flipped = Buffer.from(good);
    flipped[contentAt] ^= 0xff;
    writeFileSync(file, flipped);
    assert.throws(() => unpackStoneFile(file, assetOf), /payload checksum mismatch/);
    assert.deepEqual(existsSyncAll(store, files), []);

    // A wrong digest in the index with a right checksum: FileUnpackHashMismatch, nothing left.
    const header = readStone(file);
    const indexPayload = header.payloads.findIndex((p) => p.kind === 4);
    let at = HEADER_SIZE;
    for (let i = 0; i < indexPayload; i++) at += PAYLOAD_HEADER_SIZE + header.payloads[i]!.storedSize;
    const wrong = Buffer.from(good);
    const record = at + PAYLOAD_HEADER_SIZE; // the first index record: start, end (u64 each), then the digest
    wrong[record + 16 + 15] ^= 0x01;
    const body = wrong.subarray(record, record + header.payloads[indexPayload]!.storedSize);
    wrong.set(encodePayloadHeader({ ...header.payloads[indexPayload]!, checksum: digestBigInt(xxh3Stream64().update(body)) }), at);
    writeFileSync(file, wrong);
    assert.throws(() => unpackStoneFile(file, assetOf), /File unpack hash mismatch in .*hello-1-1-1-x86_64\.stone: expected \d+, got \d+/);
    assert.deepEqual(existsSyncAll(store, files), []);
  } finally {
    s.dispose();
    rmSync(store, { recursive: true, force: true });
  }
});

/** Files left under a store that may not exist. */
function existsSyncAll(dir: string, files: (dir: string) => string[]): string[] {
  try {
    return files(dir);
  } catch {
    return [];
  }
}

test('a repository index is a Repository stone with one Meta payload per package carrying PackageURI, PackageHash and PackageSize, by name (client/index.rs:98-113; manager.rs:476-510)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stone-index-'));
  try {
    const meta = (name: string, release: number) => ({ name, version: `${release}.0`, release, summary: name });
    const out = join(dir, 'stone.index');
    writeIndexFile(out, [
      { meta: meta('zlib', 1), uri: 'stones/zlib.stone', hash: 'a'.repeat(64), size: 10 },
      { meta: meta('mesa', 2), uri: 'stones/mesa-2.stone', hash: 'b'.repeat(64), size: 20 },
      { meta: meta('mesa', 1), uri: 'stones/mesa-1.stone', hash: 'c'.repeat(64), size: 30 },
    ]);
    assert.deepEqual(decodeHeader(readFileSync(out), out), { numPayloads: 3, fileType: 3 });
    const raw = rawPayloads(out);
    assert.deepEqual(
      raw.map((p) => p.kind),
      [1, 1, 1],
    );
    const tags = decodeRecords(raw[0].stored, raw[0].numRecords, decodeMetaRecord, 'meta').map((r) => r.tag);
    // Name, Version, Release, BuildRelease, Architecture, Summary, Description, SourceID, Homepage, PackageURI, PackageHash, PackageSize.
    assert.deepEqual(tags, [1, 3, 11, 13, 2, 4, 5, 7, 6, 14, 15, 16]);
    assert.deepEqual(
      readIndexFile(out).map((s) => [s.meta.name, s.meta.release, s.uri, s.size]),
      [
        ['mesa', 1, 'stones/mesa-1.stone', 30],
        ['mesa', 2, 'stones/mesa-2.stone', 20],
        ['zlib', 1, 'stones/zlib.stone', 10],
      ],
    );
    // An index without a package's hash is refused (manager.rs:500-503 MissingMetaField(PackageHash)).
    writeFileSync(out, readFileSync(upstream('pineapple-1-1-1-x86_64.stone')));
    assert.throws(() => readIndexFile(out), /pineapple lacks its package URI, hash or size/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged stone is refused with one line naming the file and the damage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stone-bad-'));
  try {
    const good = readFileSync(upstream('pineapple-1-1-1-x86_64.stone'));
    const file = join(dir, 'x.stone');
    const flipped = Buffer.from(good);
    flipped[HEADER_SIZE + PAYLOAD_HEADER_SIZE + 3] ^= 0xff;
    writeFileSync(file, flipped);
    assert.throws(() => readStone(file), /x\.stone: payload checksum mismatch/);
    writeFileSync(file, good.subarray(0, good.length - 4));
    assert.throws(() => readStone(file), /x\.stone is truncated/);
    writeFileSync(file, 'moss-stand-in-stone 1\n{"meta": {}, "layout": []}\n');
    assert.throws(() => readStone(file), /x\.stone: not a stone \(invalid magic\)/);
    assert.throws(() => readStone(join(dir, 'absent.stone')), /cannot open stone .*absent\.stone/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `moss inspect ...` through the stand-in's CLI: its output, and the error it ended with. */
function inspect(...argv: string[]): { out: string; error?: string } {
  let out = '';
  try {
    runMoss(['inspect', ...argv], { out: (t) => (out += t) });
    return { out };
  } catch (e) {
    return { out, error: (e as Error).message };
  }
}

test('moss inspect prints the records, the relations and the layout as cli/inspect.rs does (inspect.rs:13, 88-177)', () => {
  const file = upstream('italian-pizza-1-1-1-x86_64.stone');
  // Values from test/conflicts/italian-pizza.yml; the homepage is the one boulder wrote when it
  // built this stone (github.com/serpent-os, the project's name before AerynOS). The digest is
  // XXH3-128 of no bytes (`touch` makes an empty file), a reference value of the algorithm.
  const pad = (s: string) => s.padEnd(20);
  assert.deepEqual(inspect(file), {
    out: [
      `"${file}" = stone container version V1`,
      `${pad('Name')} : italian-pizza`,
      `${pad('Version')} : 1`,
      `${pad('Release')} : 1`,
      `${pad('BuildRelease')} : 1`,
      `${pad('Architecture')} : x86_64`,
      `${pad('Summary')} : A certain Italian pizza that hates pineapples`,
      `${pad('Description')} : Me no like pineapples.`,
      `${pad('SourceID')} : italian-pizza`,
      `${pad('Homepage')} : https://github.com/serpent-os`,
      `${pad('License')} : Zlib`,
      '',
      `${pad('Conflicts')} :`,
      '    - name(pineapple)',
      '',
      `${pad('Layout entries')} :`,
      '    - /usr/share/defaults/italian-pizza - [Regular] 99aa06d3014798d86001c324468d497f',
      '',
    ].join('\n'),
  });
});

test('moss inspect --check names each payload that passed, and fails a damaged or malformed file (inspect.rs:49-79, 180-203, tests 226-275)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stone-check-'));
  try {
    const good = upstream('bash-completion-2.11-1-1-x86_64.stone');
    assert.deepEqual(inspect('--check', good), { out: `Checking: "${good}"\n  OK: Meta\n  OK: Layout\n  OK: Index\n  OK: Content\nResult: OK\n\n` });
    const bytes = readFileSync(good);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] + 1) & 0xff;
    const corrupt = join(dir, 'corrupt.stone');
    writeFileSync(corrupt, bytes);
    const malformed = join(dir, 'malformed.stone');
    writeFileSync(malformed, 'this is not a stone file');
    const r = inspect('--check', corrupt, malformed, good);
    assert.equal(
      r.out,
      `Checking: "${corrupt}"\nResult: FAILED - stone format\n\nChecking: "${malformed}"\nResult: FAILED - stone format\n\nChecking: "${good}"\n  OK: Meta\n  OK: Layout\n  OK: Index\n  OK: Content\nResult: OK\n\n`,
    );
    assert.match(
      r.error!,
      /^inspect: One or more files failed the integrity check \(.*corrupt\.stone: payload checksum mismatch.*malformed\.stone: not a stone/,
    );
    assert.deepEqual(inspect('--check', '-q', corrupt), { out: '', error: r.error!.replace(/; .*\)$/, ')') });
    assert.deepEqual(inspect('-q', good), { out: '', error: 'inspect: --quiet requires --check' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
