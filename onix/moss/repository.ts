// A local repository of stones: <dir>/stone.index (JSON: every stone's
// metadata and layout) and <dir>/assets/aa/bb/cc/<hex> (contents, named as in moss's store).
// `moss sync` and `moss install` read repositories under /.moss/repo/<name>/.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MossError } from './errors.ts';
import { hashFile, linkOrCopy } from './store.ts';
import { assetRelPath } from './xxh3.ts';
import { isNewer, stoneId, type LayoutEntry, type Stone, type StoneMeta } from './stone.ts';

const INDEX = 'stone.index';
/** 2: layouts carry XXH3-128 decimal hashes (1 had sha256). */
const INDEX_VERSION = 2;

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
      if (data.version !== INDEX_VERSION)
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

  /** Adds a stone from metadata and a layout whose assets are already in this repository. */
  add(meta: StoneMeta, layout: LayoutEntry[]): Stone {
    for (const e of layout) if (e.type === 'regular' && !existsSync(this.assetPath(e.hash))) throw new MossError(`stone ${meta.name}: missing asset ${e.hash}`);
    const stone: Stone = { id: stoneId(meta), meta, layout };
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
