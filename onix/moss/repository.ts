// A repository of stones: <dir>/stone.index, upstream's index (a Repository stone with each
// package's Meta payload, PackageURI, PackageHash and PackageSize included: stone-file.ts), and
// the stone files themselves (stones/<name>-<version>-<release>-<build>-<arch>.stone). A stone's
// layout is read from its stone file when asked for, as moss reads it from the download
// (client/cache.rs); the index carries metadata only. A repository that builds stones also keeps
// <dir>/assets/aa/bb/cc/<hex>, the contents it packs them from.
//
// `moss index` keeps only the newest release of each name; the image builder's repository keeps
// every release it was given (the spec installs older ones), which the index format allows:
// manager.rs `update_meta_db` adds every Meta payload it finds.
//
// `moss sync` and `moss install` read the repositories under /.moss/repo/<name>/; one added
// with `moss repo add` holds a copy of its index there and, in `index-uri`, where the index
// came from, so its stone files are fetched from beside the original (repo-config.ts).
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../file-hash.ts';
import { MossError } from './errors.ts';
import { readIndexFile, readStoneMetaAndLayout, stoneFileName, writeIndexFile, writeStoneFile } from './stone-file.ts';
import { hashFile, linkOrCopy } from './store.ts';
import { assetRelPath } from './xxh3.ts';
import { isNewer, type LayoutEntry, type Stone, type StoneMeta } from './stone.ts';

const INDEX = 'stone.index';
/** Beside a copied index: the URI it was copied from. */
export const INDEX_URI_FILE = 'index-uri';

export class StoneRepository {
  readonly dir: string;
  private stonesById = new Map<string, Stone>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens a repository; create=true makes an empty one if absent. */
  static open(dir: string, create = false): StoneRepository {
    const repo = new StoneRepository(dir);
    const index = join(dir, INDEX);
    if (existsSync(index)) {
      for (const s of readIndexFile(index)) {
        // manager.rs:499-504: a package's id is its PackageHash.
        const stone = repo.lazyStone({ id: s.hash, meta: s.meta, uri: s.uri, hash: s.hash, size: s.size });
        repo.stonesById.set(stone.id, stone);
      }
    } else if (create) {
      mkdirSync(join(dir, 'assets'), { recursive: true });
      repo.save();
    } else {
      throw new MossError(`not a stone repository: ${dir} (no ${INDEX})`);
    }
    return repo;
  }

  /** Where stone files are fetched from: beside the original index for a copied one, else this directory. */
  get base(): string {
    const uriFile = join(this.dir, INDEX_URI_FILE);
    return existsSync(uriFile) ? dirname(fileURLToPath(readFileSync(uriFile, 'utf8').trim())) : this.dir;
  }

  /** The stone file of a stone, where the index says it is. */
  stoneFile(stone: Stone): string {
    if (!stone.uri || !stone.hash) throw new MossError(`repository ${this.dir} has no stone file for ${stone.id}: rebuild it`);
    return join(this.base, stone.uri);
  }

  /** A stone whose layout is read from its stone file on first use. */
  private lazyStone(fields: Omit<Stone, 'layout'>, layout?: LayoutEntry[]): Stone {
    const stone = { ...fields } as Stone;
    let known = layout;
    Object.defineProperty(stone, 'layout', { enumerable: true, get: () => (known ??= readStoneMetaAndLayout(this.stoneFile(stone)).layout) });
    return stone;
  }

  /** An asset by its decimal XXH3-128 hash, laid out as moss lays out /.moss/assets/v2. */
  assetPath(hash: string): string {
    return join(this.dir, 'assets', assetRelPath(hash));
  }

  stones(): Stone[] {
    return [...this.stonesById.values()];
  }

  get(id: string): Stone | undefined {
    return this.stonesById.get(id);
  }

  /** The newest stone of that name, if any. */
  newest(name: string): Stone | undefined {
    let best: Stone | undefined;
    for (const s of this.stonesById.values()) if (s.meta.name === name && (!best || isNewer(s.meta, best.meta))) best = s;
    return best;
  }

  /** Adds a stone whose files are the tree `usrDir` (its paths become /usr paths). Saves the index. */
  addFromTree(meta: StoneMeta, usrDir: string): Stone {
    const layout: LayoutEntry[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const full = join(dir, name);
        const rel = relative(usrDir, full);
        const st = lstatSync(full);
        if (st.isDirectory()) {
          layout.push({ type: 'directory', path: rel, mode: st.mode });
          walk(full);
        } else if (st.isSymbolicLink()) {
          layout.push({ type: 'symlink', path: rel, target: readlinkSync(full), mode: st.mode });
        } else if (st.isFile()) {
          const hash = hashFile(full);
          linkOrCopy(full, this.assetPath(hash));
          layout.push({ type: 'regular', path: rel, hash, mode: st.mode });
        }
      }
    };
    if (existsSync(usrDir)) walk(usrDir);
    return this.add(meta, layout);
  }

  /** Adds a stone from metadata and a layout whose assets are already in this repository; writes its stone file. */
  add(meta: StoneMeta, layout: LayoutEntry[]): Stone {
    for (const e of layout) if (e.type === 'regular' && !existsSync(this.assetPath(e.hash))) throw new MossError(`stone ${meta.name}: missing asset ${e.hash}`);
    const uri = `stones/${stoneFileName(meta)}`;
    const file = join(this.dir, uri);
    writeStoneFile(file, meta, layout, (h) => this.assetPath(h));
    const hash = sha256File(file);
    const stone = this.lazyStone({ id: hash, meta, uri, hash, size: statSync(file).size }, layout);
    this.stonesById.set(stone.id, stone);
    this.save();
    return stone;
  }

  private save(): void {
    writeIndexFile(
      join(this.dir, INDEX),
      this.stones().map((s) => ({ meta: s.meta, uri: s.uri!, hash: s.hash!, size: s.size! })),
    );
  }
}

/** Every repository configured under a root's /.moss/repo/<name>/. */
export function rootRepositories(repoDir: string): StoneRepository[] {
  if (!existsSync(repoDir)) return [];
  return readdirSync(repoDir)
    .sort()
    .map((n) => join(repoDir, n))
    .filter((d) => existsSync(join(d, INDEX)))
    .map((d) => StoneRepository.open(d));
}
