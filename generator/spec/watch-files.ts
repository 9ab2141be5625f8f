// Which watched files changed, robust to how editors save. An editor may write in place,
// write a temporary file and rename it over the page (vim, JetBrains, VS Code's safe write),
// or delete and re-create it; inotify on the file itself loses track after a rename, so the
// folders are watched and a name is looked at again after the events settle. A file whose
// bytes did not change (a touch, a second event of one save) is not reported.

import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

export interface WatchFilesOptions {
  /** Files to watch, absolute (their folders are watched). */
  files: string[];
  /** Folders whose new `*.md` files join the watched set (default: none). */
  pageDirs?: string[];
  /** Folders watched as a whole, recursively: any change there is a dependency change (default: none). */
  dependencyDirs?: string[];
  /** Quiet time before a burst of events is looked at, in ms (default: 15). */
  settleMs?: number;
  /** Watched files that changed, were created or deleted (`null` content: deleted). */
  onPages(changes: Array<{ file: string; deleted: boolean }>): void;
  /** Files under a dependency folder that changed. */
  onDependencies(files: string[]): void;
}

/** Editor droppings that are never content: swap, backup and probe files. */
function isScratch(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp') || name.endsWith('.swx') || name.endsWith('.tmp') || /^\d+$/.test(name);
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export class FileWatcher {
  private readonly watchers: FSWatcher[] = [];
  private readonly hashes = new Map<string, string | null>();
  private readonly pending = new Set<string>();
  private readonly depPending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(private readonly options: WatchFilesOptions) {}

  /** Start watching; resolves once the current contents are known (so only later changes count). */
  static async start(options: WatchFilesOptions): Promise<FileWatcher> {
    const w = new FileWatcher(options);
    await Promise.all(options.files.map(async (f) => w.hashes.set(resolve(f), await w.read(resolve(f)))));
    const dirs = new Set([...options.files.map((f) => dirname(resolve(f))), ...(options.pageDirs ?? []).map((d) => resolve(d))]);
    const pageDirs = (options.pageDirs ?? []).map((d) => resolve(d));
    for (const dir of dirs) {
      const recursive = pageDirs.some((p) => dir === p || dir.startsWith(p + sep));
      w.watchers.push(
        watch(dir, { recursive }, (_event, name) => {
          if (!name) return;
          const file = join(dir, name.toString());
          if (isScratch(basename(file))) return;
          const known = w.hashes.has(file);
          const isNewPage = !known && file.endsWith('.md') && pageDirs.some((p) => file.startsWith(p + sep));
          if (known || isNewPage) w.schedule(file, false);
        }),
      );
    }
    for (const dir of options.dependencyDirs ?? []) {
      const abs = resolve(dir);
      w.watchers.push(
        watch(abs, { recursive: true }, (_event, name) => {
          if (!name || isScratch(basename(name.toString()))) return;
          w.schedule(join(abs, name.toString()), true);
        }),
      );
    }
    return w;
  }

  private async read(file: string): Promise<string | null> {
    try {
      return digest(await readFile(file));
    } catch {
      return null;
    }
  }

  private schedule(file: string, dependency: boolean): void {
    if (this.closed) return;
    (dependency ? this.depPending : this.pending).add(file);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.options.settleMs ?? 15);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const files = [...this.pending];
    this.pending.clear();
    const deps = [...this.depPending];
    this.depPending.clear();
    const changes: Array<{ file: string; deleted: boolean }> = [];
    for (const file of files) {
      let now = await this.read(file);
      // Gone in the middle of a save that deletes, then writes (or renames into place): look again.
      if (now === null) {
        await new Promise((r) => setTimeout(r, 100));
        now = await this.read(file);
      }
      if (this.hashes.get(file) === now) continue;
      this.hashes.set(file, now);
      changes.push({ file, deleted: now === null });
    }
    if (this.closed) return;
    if (changes.length) this.options.onPages(changes);
    if (deps.length) this.options.onDependencies(deps);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}
