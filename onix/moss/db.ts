// Opens moss's three SQLite databases under a root, creating them with the
// shared schema when asked. One handle set per operation; close() when done.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MossError } from './errors.ts';
import type { MossPaths } from './paths.ts';
import { INSTALL_SCHEMA, LAYOUT_SCHEMA, STATE_SCHEMA } from './schema.ts';

export interface MossDb {
  state: Database.Database;
  install: Database.Database;
  layout: Database.Database;
  close(): void;
}

/** Opens the databases; with create=false a root without them is a MossError. */
export function openMossDb(p: MossPaths, create = false): MossDb {
  if (!create && !existsSync(p.db.state)) throw new MossError(`not a moss root: ${p.root} (no ${p.db.state})`);
  mkdirSync(dirname(p.db.state), { recursive: true });
  const open = (file: string, schema: string) => {
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    db.exec(schema);
    return db;
  };
  const state = open(p.db.state, STATE_SCHEMA);
  const install = open(p.db.install, INSTALL_SCHEMA);
  const layout = open(p.db.layout, LAYOUT_SCHEMA);
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
