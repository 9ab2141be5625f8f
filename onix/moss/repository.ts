// A repository of stones: <dir>/stone.index (JSON: every stone's metadata, layout, and
// the `uri` of its stone file relative to the index, with the file's sha256 `hash` and size,
// as upstream's index carries PackageUri, PackageHash and PackageSize) and the stone files
// themselves (stones/<id>.stone, stone-file.ts). A repository that builds stones also keeps
// <dir>/assets/aa/bb/cc/<hex>, the contents it packs them from.
//
// `moss sync` and `moss install` read the repositories under /.moss/repo/<name>/; one added
// with `moss repo add` holds a copy of its index there and, in `index-uri`, where the index
// came from, so its stone files are fetched from beside the original (repo-config.ts).
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../file-hash.ts';
import { MossError } from './errors.ts';
import { writeStoneFile } from './stone-file.ts';
import { hashFile, linkOrCopy } from './store.ts';
import { assetRelPath } from './xxh3.ts';
import { isNewer, stoneId, type LayoutEntry, type Stone, type StoneMeta } from './stone.ts';

const INDEX = 'stone.index';
/** 3: stones carry the uri, sha256 and size of their stone file. 2 (no stone files) is still read, for build caches. */
const INDEX_VERSION = 3;
const READABLE_VERSIONS = [2, 3];
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
      const data = JSON.parse(readFileSync(index, 'utf8')) as { version?: number; stones: Stone[] };
      if (!READABLE_VERSIONS.includes(data.version ?? 0))
        throw new MossError(`stone repository ${dir} has index version ${data.version ?? '(none)'}, expected ${INDEX_VERSION}: rebuild it`);
      for (const s of data.stones) repo.stonesById.set(s.id, s);
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
    const id = stoneId(meta);
    const uri = `stones/${id}.stone`;
    const file = join(this.dir, uri);
    writeStoneFile(file, meta, layout, (h) => this.assetPath(h));
    const stone: Stone = { id, meta, layout, uri, hash: sha256File(file), size: statSync(file).size };
    this.stonesById.set(stone.id, stone);
    this.save();
    return stone;
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `${INDEX}.tmp-${process.pid}`);
    writeFileSync(tmp, JSON.stringify({ version: INDEX_VERSION, stones: this.stones() }));
    renameSync(tmp, join(this.dir, INDEX));
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
