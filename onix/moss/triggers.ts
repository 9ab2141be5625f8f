// Triggers, as os-tools moss/src/client/postblit.rs finds and runs them: YAML files in
// usr/share/moss/triggers/tx.d/ (transaction scope, read from the staged tree) and
// usr/share/moss/triggers/sys.d/ (system scope, read from the root), in the format of
// crates/triggers/src/format.rs (`handlers: {name: {run, args}}`, `paths: {"<pattern>":
// {handlers: [...], type: directory|symlink}}`; `(name:*)` in a pattern captures a path
// part that `$(name)` in run/args receives). Each handler runs once per distinct compiled
// command; a non-zero exit is reported, not fatal (postblit.rs `execute_trigger_directly`).
//
// Differences: upstream runs transaction triggers, and system triggers for a root other
// than "/", inside a container on /.moss/root/isolation with /usr and /etc bound in. The
// stand-in has no container runtime, so it runs system triggers only for the live root
// "/" (as upstream does there, directly) and transaction triggers not at all.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { MossPaths } from './paths.ts';

export type TriggerScope = 'transaction' | 'system';

interface TriggerFile {
  name?: string;
  handlers?: Record<string, { run: string; args?: string[] }>;
  paths?: Record<string, { handlers: string[]; type?: 'directory' | 'symlink' }>;
}

/** A handler with its captures filled in. */
export interface CompiledTrigger {
  trigger: string;
  run: string;
  args: string[];
}

/** fnmatch-style pattern: `*` within a path part, `(name:*)` a named capture. */
function compilePattern(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  let src = '';
  for (let i = 0; i < pattern.length; ) {
    const cap = /^\((\w+):([^)]*)\)/.exec(pattern.slice(i));
    if (cap) {
      names.push(cap[1]);
      src += `(${cap[2]
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')})`;
      i += cap[0].length;
      continue;
    }
    const c = pattern[i++];
    src += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return { re: new RegExp(`^${src}$`), names };
}

/** Every path of a /usr tree as "/usr/...", with its kind. */
function treePaths(usr: string): { path: string; kind: 'directory' | 'symlink' | 'file' }[] {
  const out: { path: string; kind: 'directory' | 'symlink' | 'file' }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
      out.push({ path: `/usr${rel}/${name}`, kind });
      if (kind === 'directory') walk(full, `${rel}/${name}`);
    }
  };
  if (existsSync(usr)) walk(usr, '');
  return out;
}

/** The commands a scope's triggers produce for the tree at `usr`, in file then path order, deduplicated. */
export function compileTriggers(triggerDir: string, usr: string): CompiledTrigger[] {
  if (!existsSync(triggerDir)) return [];
  const paths = treePaths(usr);
  const seen = new Set<string>();
  const out: CompiledTrigger[] = [];
  for (const file of readdirSync(triggerDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const t = parse(readFileSync(join(triggerDir, file), 'utf8')) as TriggerFile;
    for (const [pattern, link] of Object.entries(t.paths ?? {})) {
      const { re, names } = compilePattern(pattern);
      for (const p of paths) {
        if (link.type && link.type !== p.kind) continue;
        const m = re.exec(p.path);
        if (!m) continue;
        const fill = (s: string) => names.reduce((acc, n, i) => acc.replaceAll(`$(${n})`, m[i + 1]), s);
        for (const h of link.handlers) {
          const handler = t.handlers?.[h];
          if (!handler) continue;
          const c = { trigger: t.name ?? file, run: fill(handler.run), args: (handler.args ?? []).map(fill) };
          const key = JSON.stringify([c.run, c.args]);
          if (!seen.has(key)) {
            seen.add(key);
            out.push(c);
          }
        }
      }
    }
  }
  return out;
}

/** Where a scope's trigger files are read from (postblit.rs `TriggerScope::root_dir`). */
export function triggerDir(scope: TriggerScope, p: MossPaths): string {
  return join(scope === 'transaction' ? p.staging : p.root, 'usr/share/moss/triggers', scope === 'transaction' ? 'tx.d' : 'sys.d');
}

/** Runs a scope's triggers (see the header for what the stand-in leaves out). Returns what ran. */
export function runTriggers(
  scope: TriggerScope,
  p: MossPaths,
  root: string,
  warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): CompiledTrigger[] {
  if (scope === 'transaction' || root !== '/') return [];
  const commands = compileTriggers(triggerDir(scope, p), p.usr);
  for (const c of commands) {
    const r = spawnSync(c.run, c.args, { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0) warn(`moss: trigger ${c.trigger}: ${c.run} ${c.args.join(' ')} exited ${r.status ?? r.error?.message}`);
  }
  return commands;
}
