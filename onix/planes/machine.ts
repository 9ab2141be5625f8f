// The machine plane, owned by moss: /usr, /.moss, /boot. Read directly from
// moss's on-disk state (the same files upstream moss writes) and changed only
// by running `moss`, so onix drives the stand-in and upstream moss alike.

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MOSS_DB, type StateRow } from '../moss/schema.ts';
import { OnixError, EXIT } from '../cli/errors.ts';
import { hostPath } from './root-path.ts';
import { type BootEntry, bootOrder, fstxOption, loaderDefault, parseBootEntry, parseStateId, pickBootRoot, resolveDefault } from './boot-entries.ts';

/** What onix knows about the machine plane of a root. */
export interface MachineView {
  /** The active state id, from /usr/.stateID. */
  activeId: number;
  /** Every row of moss's `state` table, oldest first. */
  states: StateRow[];
  /** Ids that have an archived tree at /.moss/root/<id>/usr. */
  archivedIds: number[];
  entries: BootEntry[];
  /** The `default` of /boot/loader/loader.conf (quotes removed; may be a glob such as `onix*`), or null. */
  loaderDefault: string | null;
  /** The entry file systemd-boot boots for that default (see boot-entries.ts), or null without entries. */
  defaultEntry: string | null;
  /** The state the running machine booted (moss.fstx= in /proc/cmdline); only known when root is `/`. */
  bootedId: number | null;
}

/** Reads /usr/.stateID. Throws OnixError(root) when absent or not an integer. */
export function readActiveId(root: string): number {
  const file = hostPath(root, '/usr/.stateID');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new OnixError(`not an ONIX root: ${file} does not exist`, EXIT.root);
    throw new OnixError(`cannot read ${file}: ${code ?? String(error)}`, EXIT.root);
  }
  const id = parseStateId(text.trim());
  if (id === null) throw new OnixError(`${file} does not hold a state id (found ${JSON.stringify(text.trim().slice(0, 40))})`, EXIT.root);
  return id;
}

function dbError(file: string, error: unknown): OnixError {
  const e = error as { code?: string; message?: string };
  const why =
    e.code === 'SQLITE_NOTADB'
      ? 'file is not a database'
      : e.code === 'SQLITE_CANTOPEN'
        ? 'cannot open it (missing or unreadable)'
        : e.code === 'SQLITE_CORRUPT'
          ? 'database is corrupt'
          : e.code === 'EACCES'
            ? 'permission denied'
            : (e.message ?? String(error)).split('\n')[0];
  return new OnixError(`cannot read moss state database ${file}: ${why}`, EXIT.root);
}

/** Opens a moss database read-only; throws OnixError(root) naming the file when it cannot. */
export function openMossDb(root: string, which: keyof typeof MOSS_DB): Database.Database {
  const file = hostPath(root, `/${MOSS_DB[which]}`);
  if (!existsSync(file)) throw new OnixError(`not an ONIX root: ${file} does not exist`, EXIT.root);
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw dbError(file, error);
  }
}

/** Every state row, oldest first. */
export function readStates(root: string): StateRow[] {
  const file = hostPath(root, `/${MOSS_DB.state}`);
  const db = openMossDb(root, 'state');
  try {
    return db.prepare('SELECT id, type, created, summary, description FROM state ORDER BY id').all() as StateRow[];
  } catch (error) {
    throw dbError(file, error);
  } finally {
    db.close();
  }
}

/** Ids with an archived tree at /.moss/root/<id>/usr, ascending. */
export function readArchivedIds(root: string): number[] {
  let names: string[];
  try {
    names = readdirSync(hostPath(root, '/.moss/root'));
  } catch {
    return [];
  }
  return names
    .map((name) => parseStateId(name))
    .filter((id): id is number => id !== null && isDirectory(hostPath(root, `/.moss/root/${id}/usr`)))
    .sort((a, b) => a - b);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The machine's boot root (boot-entries.ts `pickBootRoot`): /boot, or /efi on a machine with only an ESP. */
export function bootRoot(root: string): string {
  return pickBootRoot((dir) => isDirectory(hostPath(root, `${dir}/loader`)));
}

/** Every `*.conf` under <boot root>/loader/entries, sorted by file name (use boot-entries.ts for boot order). */
export function readBootEntries(root: string): BootEntry[] {
  const dir = hostPath(root, `${bootRoot(root)}/loader/entries`);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.conf'))
      .sort();
  } catch {
    return [];
  }
  return names.map((name) => parseBootEntry(name, readFileSync(`${dir}/${name}`, 'utf8')));
}

/** `default` from <boot root>/loader/loader.conf, or null. */
export function readLoaderDefault(root: string): string | null {
  try {
    return loaderDefault(readFileSync(hostPath(root, `${bootRoot(root)}/loader/loader.conf`), 'utf8'));
  } catch {
    return null;
  }
}

/** The state the running kernel was booted for; only for the live machine (root `/`). */
export function readBootedId(root: string, cmdlineFile = '/proc/cmdline'): number | null {
  if (root !== '/') return null;
  try {
    return fstxOption(readFileSync(cmdlineFile, 'utf8'));
  } catch {
    return null;
  }
}

/** Reads the whole machine plane of `root`. Throws OnixError when it is not a readable ONIX root. */
export function readMachine(root: string): MachineView {
  const activeId = readActiveId(root);
  const states = readStates(root);
  const entries = readBootEntries(root);
  const loaderDefault = readLoaderDefault(root);
  return {
    activeId,
    states,
    archivedIds: readArchivedIds(root),
    entries,
    loaderDefault,
    defaultEntry:
      resolveDefault(
        loaderDefault,
        entries.map((e) => e.file),
      ) ?? null,
    bootedId: readBootedId(root),
  };
}

/**
 * The boot entry that boots `id`: an entry whose options carry `moss.fstx=<id>`
 * (never guessed from a file name). Prefers the loader's default when several do.
 */
export function entryFor(view: Pick<MachineView, 'entries' | 'defaultEntry'>, id: number): BootEntry | undefined {
  const matching = view.entries.filter((e) => e.fstx === id);
  return matching.find((e) => e.file === view.defaultEntry) ?? bootOrderOf(matching)[0];
}

function bootOrderOf(entries: BootEntry[]): BootEntry[] {
  const order = bootOrder(entries.map((e) => e.file));
  return order.map((f) => entries.find((e) => e.file === f)!);
}

/** The version of the Mesa package selected in state `id`, from /.moss/db/install; null when unknown. */
export function mesaVersion(root: string, id: number): string | null {
  const installFile = hostPath(root, `/${MOSS_DB.install}`);
  const stateFile = hostPath(root, `/${MOSS_DB.state}`);
  if (!existsSync(installFile) || !existsSync(stateFile)) return null;
  let db: Database.Database | undefined;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    db.prepare('ATTACH DATABASE ? AS install').run(installFile);
    const row = db
      .prepare(
        `SELECT m.name, m.version_identifier AS version FROM state_selections s
       JOIN install.meta m ON m.package = s.package_id
       WHERE s.state_id = ? AND (m.name = 'mesa' OR m.name LIKE 'mesa-%' OR m.name LIKE 'mesa%')
       ORDER BY (m.name = 'mesa') DESC, m.name LIMIT 1`,
      )
      .get(id) as { version: string } | undefined;
    return row?.version ?? null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** Throws OnixError(tool) unless `command` can be found and executed. */
export function requireExecutable(command: string, what: string, hint: string): void {
  if (command.includes('/')) {
    try {
      if (statSync(command).isFile()) return;
    } catch {
      /* fall through */
    }
    throw new OnixError(`${what} not found: ${command} (${hint})`, EXIT.tool);
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      if (statSync(`${dir}/${command}`).isFile()) return;
    } catch {
      /* next */
    }
  }
  throw new OnixError(`${what} not found: ${command} is not on PATH (${hint})`, EXIT.tool);
}

/** First non-empty line of a tool's output, for one-line error messages. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}
