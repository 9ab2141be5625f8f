// Opens moss's three SQLite databases under a root, migrating them as upstream
// does: the schema runs in one transaction only when PRAGMA user_version is below
// the latest version, which is then recorded (os-tools moss/src/db/migrations.rs).
// One handle set per operation; close() when done.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MossError } from './errors.ts';
import type { MossPaths } from './paths.ts';
import { INSTALL_SCHEMA, LAYOUT_SCHEMA, MOSS_DB_VERSION, STATE_SCHEMA } from './schema.ts';

export interface MossDb {
  state: Database.Database;
  install: Database.Database;
  layout: Database.Database;
  close(): void;
}

/** Applies `schema` unless user_version already records it, then records MOSS_DB_VERSION. */
export function migrate(db: Database.Database, schema: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= MOSS_DB_VERSION) return;
  db.transaction(() => {
    db.exec(schema);
    db.pragma(`user_version = ${MOSS_DB_VERSION}`);
  })();
}

/** Opens the databases; with create=false a root without them is a MossError. */
export function openMossDb(p: MossPaths, create = false): MossDb {
  if (!create && !existsSync(p.db.state)) throw new MossError(`not a moss root: ${p.root} (no ${p.db.state})`);
  mkdirSync(dirname(p.db.state), { recursive: true });
  // Upstream turns foreign keys on for state and install (meta), not for layout.
  const open = (file: string, schema: string, foreignKeys: boolean) => {
    const db = new Database(file);
    if (foreignKeys) db.pragma('foreign_keys = ON');
    migrate(db, schema);
    return db;
  };
  const state = open(p.db.state, STATE_SCHEMA, true);
  const install = open(p.db.install, INSTALL_SCHEMA, true);
  const layout = open(p.db.layout, LAYOUT_SCHEMA, false);
  return {
    state,
    install,
    layout,
    close() {
      state.close();
      install.close();
      layout.close();
    },
  };
}
