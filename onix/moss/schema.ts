// moss's on-disk databases, in one place. Every writer (the moss stand-in,
// the image builder, test fixtures) and every reader (the onix command) uses
// these, so they cannot drift apart. The shapes follow upstream moss's SQLite
// migrations: `/.moss/db/state`, `/.moss/db/install` (package metadata,
// "meta" in moss's source) and `/.moss/db/layout`; files have no extension.

/** Paths of moss's databases, relative to a root. */
export const MOSS_DB = {
  state: '.moss/db/state',
  install: '.moss/db/install',
  layout: '.moss/db/layout',
} as const;

// The schemas are upstream's v1 migrations verbatim (os-tools moss/src/db/{state,meta,layout}/schemas/v1_up.sql).
// Each database records the migrations applied in PRAGMA user_version (moss/src/db/migrations.rs).

/** The schema version each database is at after its migrations (upstream: one schema each). */
export const MOSS_DB_VERSION = 1;

export const STATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS state (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    created BIGINT NOT NULL DEFAULT (unixepoch()),
    summary TEXT NULL,
    description TEXT NULL
);

CREATE TABLE IF NOT EXISTS state_selections (
    state_id INTEGER NOT NULL,
    package_id TEXT NOT NULL,
    explicit BOOLEAN NOT NULL,
    reason TEXT NULL,
    PRIMARY KEY(state_id, package_id),
    FOREIGN KEY(state_id) REFERENCES state(id) ON DELETE CASCADE
);
`;

export const INSTALL_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
    package TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    version_identifier TEXT NOT NULL,
    source_release INT NOT NULL,
    build_release INT NOT NULL,
    architecture TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    source_id TEXT NOT NULL,
    homepage TEXT NOT NULL,
    uri TEXT NULL,
    hash TEXT NULL,
    download_size BIGINT NULL
);

CREATE TABLE IF NOT EXISTS meta_licenses (
    package TEXT NOT NULL,
    license TEXT NOT NULL,
    PRIMARY KEY (package, license),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS meta_dependencies (
    package TEXT NOT NULL,
    dependency TEXT NOT NULL,
    PRIMARY KEY (package, dependency),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS meta_providers (
    package TEXT NOT NULL,
    provider TEXT NOT NULL,
    PRIMARY KEY (package, provider),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS meta_conflicts (
    package TEXT NOT NULL,
    conflict TEXT NOT NULL,
    PRIMARY KEY (package, conflict),
    FOREIGN KEY (package) REFERENCES meta(package) ON DELETE CASCADE
);
`;

/**
 * entry_type 'regular': entry_value1 = XXH3-128 content hash as a decimal u128, entry_value2 = path;
 * 'symlink': value1 = target, value2 = path; 'directory': value1 = path, value2 NULL
 * (moss/src/db/layout/types.rs `encode_file`). Paths are relative to /usr, as in stones.
 */
export const LAYOUT_SCHEMA = `
CREATE TABLE IF NOT EXISTS layout (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    package_id TEXT NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    tag INTEGER NOT NULL,
    entry_type TEXT NOT NULL,
    entry_value1 TEXT NULL,
    entry_value2 TEXT NULL
);
`;

/** moss's only state kind, as stored in `state.type` (strum kebab-case of `Kind::Transaction`, moss/src/state.rs). */
export const STATE_KIND = 'transaction';

/** A row of `state`, as moss stores it. */
export interface StateRow {
  id: number;
  type: string;
  /** Unix seconds. */
  created: number;
  summary: string | null;
  description: string | null;
}
