// Triggers, as os-tools moss/src/client/postblit.rs finds and runs them: YAML files in
// usr/share/moss/triggers/tx.d/ (transaction scope, read from the staged tree) and
// usr/share/moss/triggers/sys.d/ (system scope, read from the root), in the format of
// crates/triggers/src/format.rs (`name`, `before`/`after`, `handlers: {name: {run, args}}`,
// `paths: {"<pattern>": {handlers: [...], type}}`; fnmatch patterns, trigger-order.ts).
//
// Where they run (postblit.rs `TriggerRunner::execute`): a transaction trigger always in
// moss's container on /.moss/root/isolation, with the root's /etc bound read-only and the
// staged /usr read-write; a system trigger directly when the root is "/". The container is
// moss-container (container.c). A non-zero exit is reported, not fatal
// (`execute_trigger_directly`).
//
// Difference: upstream runs system triggers for a root other than "/" in the container with
// /etc read-write. The stand-in runs none there: the image builder works on such a root, and
// the seam's sysusers trigger would then create the image's /etc/passwd, which the image's
// sysinit seeds from /usr/share/onix/accounts only when it is absent.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MossError } from './errors.ts';
import { helperBinary } from './helpers.ts';
import type { MossPaths } from './paths.ts';
import { compileTriggers, type CompiledTrigger, type TriggerFile } from './trigger-order.ts';

export type TriggerScope = 'transaction' | 'system';
export type { CompiledTrigger } from './trigger-order.ts';

/** Every path of a /usr tree as "/usr/...", as the VFS hands them to the trigger collection. */
function treePaths(usr: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      out.push(`/usr${rel}/${name}`);
      if (lstatSync(full).isDirectory()) walk(full, `${rel}/${name}`);
    }
  };
  if (existsSync(usr)) walk(usr, '');
  return out;
}

/** The trigger files of a directory, as config::Manager loads `*.yaml` there. */
export function loadTriggerFiles(dir: string): TriggerFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const t = parse(readFileSync(join(dir, f), 'utf8')) as TriggerFile | null;
      if (!t || typeof t.name !== 'string') throw new MossError(`trigger ${join(dir, f)}: missing name`);
      return t;
    });
}

/** Where a scope's trigger files are read from (postblit.rs `TriggerScope::root_dir`). */
export function triggerDir(scope: TriggerScope, p: MossPaths): string {
  return join(scope === 'transaction' ? p.staging : p.root, 'usr/share/moss/triggers', scope === 'transaction' ? 'tx.d' : 'sys.d');
}

/** The /usr a scope's triggers see: the staged tree before the swap, the live one after it. */
function scopeUsr(scope: TriggerScope, p: MossPaths): string {
  return scope === 'transaction' ? p.stagingUsr : p.usr;
}

/** The commands a scope's triggers produce for its tree, in the order they run. */
export function scopeTriggers(scope: TriggerScope, p: MossPaths): CompiledTrigger[] {
  return compileTriggers(loadTriggerFiles(triggerDir(scope, p)), treePaths(scopeUsr(scope, p)));
}

/** The argv that runs one command: a system trigger directly, a transaction trigger in moss-container. */
export function triggerCommand(scope: TriggerScope, p: MossPaths, c: CompiledTrigger): string[] {
  if (scope === 'system') return [c.run, ...c.args];
  return [helperBinary('container'), p.isolation, join(p.root, 'etc'), p.stagingUsr, '--', c.run, ...c.args];
}

/** Runs a scope's triggers; returns what ran. */
export function runTriggers(scope: TriggerScope, p: MossPaths, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): CompiledTrigger[] {
  if (scope === 'system' && p.root !== '/') return [];
  const commands = scopeTriggers(scope, p);
  for (const c of commands) {
    const [cmd, ...args] = triggerCommand(scope, p, c);
    const r = spawnSync(cmd, args, { cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0) {
      const detail = (r.stderr || r.stdout || '').trim().split('\n').pop();
      warn(`moss: ${scope} trigger ${c.trigger}: ${[c.run, ...c.args].join(' ')} exited ${r.status ?? r.error?.message}${detail ? `: ${detail}` : ''}`);
    }
  }
  return commands;
}
