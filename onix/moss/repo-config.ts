// `moss repo add|remove|list`, as os-tools moss/src/cli/repo.rs and repository/manager.rs
// do them: a repository is configured in <root>/etc/moss/repo.d/<name>.yaml as
// `<name>: {description, uri, priority, active}` (crates/config `save`, repository/mod.rs
// `Repository`), and `add` then fetches its index into moss's repo cache and prints
// "<name> added". The URI is the index's (`file:///DIR/stone.index`); a directory URI
// means its stone.index (the stand-in's convenience). Only file:// is read.
//
// Difference: upstream caches the index in /.moss/repo/<xxh3 of name and URI>/; the stand-in
// uses /.moss/repo/<name>/, with the URI in `index-uri` so stones are fetched from beside it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { MossError } from './errors.ts';
import type { MossPaths } from './paths.ts';
import { INDEX_URI_FILE, StoneRepository } from './repository.ts';

export interface RepoConfig {
  description: string;
  uri: string;
  priority: number;
  active: boolean;
}

function configDir(p: MossPaths): string {
  return join(p.root, 'etc/moss/repo.d');
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') throw new MossError(`invalid repository name: ${name}`);
}

/** The index file a URI names, on this machine. */
function indexFile(uri: string): string {
  let path: string;
  try {
    if (!uri.startsWith('file://')) throw new Error();
    path = fileURLToPath(uri);
  } catch {
    throw new MossError(`unsupported repository URI (the stand-in reads file:// URIs): ${uri}`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'stone.index');
  if (!existsSync(path)) throw new MossError(`no repository index at ${path}`);
  return path;
}

/** Adds (or replaces) a repository: its config, then its index fetched into /.moss/repo/<name>/. */
export function addRepository(p: MossPaths, name: string, uri: string, comment: string, priority: number): void {
  checkName(name);
  const index = indexFile(uri);
  StoneRepository.open(dirname(index));
  const indexUri = pathToFileURL(index).href;
  const config: Record<string, RepoConfig> = { [name]: { description: comment, uri: indexUri, priority, active: true } };
  mkdirSync(configDir(p), { recursive: true });
  const configFile = join(configDir(p), `${name}.yaml`);
  writeFileSync(`${configFile}.tmp`, stringify(config));
  renameSync(`${configFile}.tmp`, configFile);
  const cache = join(p.repo, name);
  const tmp = `${cache}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  copyFileSync(index, join(tmp, 'stone.index'));
  writeFileSync(join(tmp, INDEX_URI_FILE), `${indexUri}\n`);
  rmSync(cache, { recursive: true, force: true });
  renameSync(tmp, cache);
}

/** Removes a repository's config and cached index; false when there was neither. */
export function removeRepository(p: MossPaths, name: string): boolean {
  checkName(name);
  const configFile = join(configDir(p), `${name}.yaml`);
  const cache = join(p.repo, name);
  const found = existsSync(configFile) || existsSync(cache);
  rmSync(configFile, { force: true });
  rmSync(cache, { recursive: true, force: true });
  return found;
}

/** Every repository: configured ones from repo.d, and unconfigured ones moss holds under /.moss/repo (the image's). */
export function listRepositories(p: MossPaths): { name: string; config: RepoConfig }[] {
  const out = new Map<string, RepoConfig>();
  if (existsSync(configDir(p)))
    for (const f of readdirSync(configDir(p))
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const doc = parse(readFileSync(join(configDir(p), f), 'utf8')) as Record<string, RepoConfig> | null;
      for (const [name, config] of Object.entries(doc ?? {})) out.set(name, config);
    }
  if (existsSync(p.repo))
    for (const name of readdirSync(p.repo).sort())
      if (!out.has(name) && existsSync(join(p.repo, name, 'stone.index')))
        out.set(name, { description: '', uri: pathToFileURL(join(p.repo, name, 'stone.index')).href, priority: 0, active: true });
  return [...out].map(([name, config]) => ({ name, config })).sort((a, b) => b.config.priority - a.config.priority);
}
