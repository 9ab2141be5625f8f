// The chunked hash and the verified copy that moss's fetch and onix mirror share: the copy is
// hashed as it is written, so it must hash exactly the bytes it wrote, across chunk borders.
// Upstream moss fetches a stone the same way, in one pass through a sha256 wrapper into a
// temporary file that is then renamed (os-tools moss/src/request.rs
// download_with_progress_and_sha256 and write_to_file; moss/src/client/cache.rs fetch).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyVerified, sha256File } from '../../onix/file-hash.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-hash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('file-hash', () => {
  // Larger than one 1 MiB chunk and not a multiple of it.
  const bytes = randomBytes(3 * (1 << 20) + 12345);
  const source = join(dir, 'source.stone');
  writeFileSync(source, bytes);
  chmodSync(source, 0o640);

  it('sha256File hashes the whole file', () => {
    assert.equal(sha256File(source), sha256(bytes));
  });

  it('copyVerified copies the bytes and the mode, and creates the folders', () => {
    const dest = join(dir, 'a/b/copy.stone');
    assert.equal(copyVerified(source, dest, sha256(bytes)), null);
    assert.deepEqual(readFileSync(dest), bytes);
    assert.equal(statSync(dest).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(join(dir, 'a/b')), ['copy.stone']);
  });

  it('a wrong hash leaves nothing behind and returns the sha256 the bytes have', () => {
    const dest = join(dir, 'c/wrong.stone');
    assert.equal(copyVerified(source, dest, '0'.repeat(64)), sha256(bytes));
    assert.equal(existsSync(dest), false);
    assert.deepEqual(readdirSync(join(dir, 'c')), []);
  });

  it('a wrong hash keeps the file already in place', () => {
    const dest = join(dir, 'kept.stone');
    writeFileSync(dest, 'old');
    assert.notEqual(copyVerified(source, dest, '1'.repeat(64)), null);
    assert.equal(readFileSync(dest, 'utf8'), 'old');
  });

  it('an empty file copies and hashes', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    assert.equal(copyVerified(empty, join(dir, 'empty.copy'), sha256(Buffer.alloc(0))), null);
    assert.equal(statSync(join(dir, 'empty.copy')).size, 0);
  });

  it('a missing source throws and writes nothing', () => {
    assert.throws(() => copyVerified(join(dir, 'nope'), join(dir, 'd/x'), sha256(bytes)), /ENOENT/);
    assert.equal(existsSync(join(dir, 'd/x')), false);
  });
});
