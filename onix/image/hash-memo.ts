// Digests of files the image build already worked out, kept by each file's identity (path,
// inode, size, and modification and change times in ns: the stat data git's index trusts), so
// an up-to-date check reads no unchanged file again across runs. The image's Node binary alone
// is 99 MB: its read and sha256 were most of every up-to-date check, paid by every process that
// boots a machine (back to back on a busy host: 1.2-1.3 s without the memo, 0.7-0.8 s with it).
// A file written since has another change time, whatever its mtime says.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Entries kept: every input file of the image several times over. */
const KEEP = 2048;

export class HashMemo {
  private entries: Map<string, string> | undefined;
  private dirty = false;

  constructor(private readonly file: string) {}

  /** `compute(file)`, or what it gave before for the same file unchanged. */
  digest(file: string, compute: (file: string) => string): string {
    const key = identity(file);
    const entries = this.load();
    const known = entries.get(key);
    if (known) {
      // Newest last: the files read every run (Node's binary) outlive the per-run bundles when trimmed.
      entries.delete(key);
      entries.set(key, known);
      return known;
    }
    const value = compute(file);
    entries.set(key, value);
    if (!this.dirty) process.once('exit', () => this.save());
    this.dirty = true;
    return value;
  }

  private load(): Map<string, string> {
    if (!this.entries) {
      try {
        this.entries = new Map(JSON.parse(readFileSync(this.file, 'utf8')) as [string, string][]);
      } catch {
        this.entries = new Map(); // none yet, or unreadable: worked out again
      }
    }
    return this.entries;
  }

  /** At exit, whole, through a rename: two builds saving at once lose entries, never the file. */
  save(): void {
    if (!this.entries) return;
    const kept = [...this.entries].slice(-KEEP);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(kept));
      renameSync(tmp, this.file);
    } catch {
      // an unwritable cache costs the next run a read, nothing else
    }
  }
}

function identity(file: string): string {
  const s = statSync(file, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${file}`;
}
