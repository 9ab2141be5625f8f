// Which trigger commands a tree produces, and in what order, as os-tools computes them:
// crates/fnmatch (patterns), crates/triggers/src/lib.rs (`Collection`: hits per trigger name,
// `bake`: dependency order) and crates/dag over petgraph's `Topo` walk.
import { MossError } from './errors.ts';

/** A trigger file (crates/triggers/src/format.rs `Trigger`). */
export interface TriggerFile {
  name: string;
  description?: string;
  /** Run before the trigger of this name. */
  before?: string;
  /** Run after the trigger of this name. */
  after?: string;
  handlers?: Record<string, { run?: string; args?: string[]; delete?: string[] }>;
  /** `type` is parsed but, as upstream's Collection, never used to filter. */
  paths?: Record<string, { handlers: string[]; type?: 'directory' | 'symlink' }>;
}

/** A handler with its captures filled in (format.rs `CompiledHandler`). */
export interface CompiledTrigger {
  trigger: string;
  run: string;
  args: string[];
}

/**
 * fnmatch `Pattern::from_str`: `?` any one character, `*` anything but "/", `**` anything,
 * `.` and `/` literal, `(name:sub)` a named group; any other text goes into the regex as is.
 */
export function compilePattern(pattern: string): RegExp {
  const fragments = (s: string): string => {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c === '?') out += '.';
      else if (c === '*' && s[i + 1] === '*') {
        out += '.*';
        i++;
      } else if (c === '*') out += '[^\\/]*';
      else if (c === '\\') out += '\\';
      else if (c === '/') out += '\\/';
      else if (c === '.') out += '\\.';
      else if (c === '(') {
        const end = s.indexOf(')', i + 1);
        const parts = end < 0 ? [] : s.slice(i + 1, end).split(':');
        if (parts.length !== 2) throw new MossError(`trigger pattern ${JSON.stringify(pattern)}: malformed group`);
        out += `(?<${parts[0]}>${fragments(parts[1])})`;
        i = end;
      } else if (c !== ')') out += c;
    }
    return out;
  };
  const source = fragments(pattern);
  try {
    return new RegExp(`^${source}$`);
  } catch {
    throw new MossError(`trigger pattern ${JSON.stringify(pattern)}: invalid regex`);
  }
}

/** `#[derive(Ord)]` on Handler::Run { run, args }: by run, then args element by element. */
function compareHandlers(a: CompiledTrigger, b: CompiledTrigger): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const r = cmp(a.run, b.run);
  if (r) return r;
  for (let i = 0; i < Math.min(a.args.length, b.args.length); i++) {
    const c = cmp(a.args[i], b.args[i]);
    if (c) return c;
  }
  return a.args.length - b.args.length;
}

/**
 * petgraph's `Topo` over a graph whose nodes are 0..n-1 in insertion order: the nodes without
 * incoming edges go on a stack in index order; each pop yields a node and pushes those of its
 * successors (newest edge first, as petgraph lists them) whose predecessors were all yielded.
 */
export function petgraphTopo(n: number, edges: [number, number][]): number[] {
  const out: number[] = [];
  const visited = new Set<number>();
  const successors = (a: number) =>
    edges
      .filter(([from]) => from === a)
      .map(([, to]) => to)
      .reverse();
  const predecessors = (b: number) => edges.filter(([, to]) => to === b).map(([from]) => from);
  const stack = [...Array(n).keys()].filter((i) => predecessors(i).length === 0);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (visited.has(i)) continue;
    visited.add(i);
    for (const s of successors(i)) if (predecessors(s).every((p) => visited.has(p))) stack.push(s);
    out.push(i);
  }
  return out;
}

/** `Collection::new` + `process_paths` + `bake`: the commands to run, in order. */
export function compileTriggers(triggers: TriggerFile[], paths: string[]): CompiledTrigger[] {
  const byName = new Map(triggers.map((t) => [t.name, t]));
  const extracted: { id: string; re: RegExp; handler: { run?: string; args?: string[]; delete?: string[] } }[] = [];
  for (const t of triggers)
    for (const pattern of Object.keys(t.paths ?? {}).sort()) {
      const re = compilePattern(pattern);
      for (const used of t.paths![pattern].handlers ?? []) {
        const handler = t.handlers?.[used];
        if (!handler) throw new MossError(`missing handler reference in ${t.name}: ${used}`);
        extracted.push({ id: t.name, re, handler });
      }
    }
  const hits = new Map<string, Map<string, CompiledTrigger>>();
  for (const path of paths)
    for (const h of extracted) {
      const m = h.re.exec(path);
      if (!m) continue;
      if (h.handler.run === undefined) throw new MossError(`trigger ${h.id}: delete handlers are not implemented upstream (postblit.rs todo!())`);
      const fill = (s: string) => Object.entries(m.groups ?? {}).reduce((acc, [k, v]) => acc.replaceAll(`$(${k})`, v), s);
      const c = { trigger: h.id, run: fill(h.handler.run), args: (h.handler.args ?? []).map(fill) };
      const set = hits.get(h.id) ?? new Map<string, CompiledTrigger>();
      set.set(JSON.stringify([c.run, c.args]), c);
      hits.set(h.id, set);
    }
  // bake(): nodes for every hit trigger in name order, then edges for before/after.
  const names = [...hits.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const nodes = [...names];
  const index = (name: string) => {
    const i = nodes.indexOf(name);
    return i >= 0 ? i : nodes.push(name) - 1;
  };
  const edges: [number, number][] = [];
  const reaches = (from: number, to: number): boolean => {
    const seen = new Set<number>();
    const walk = (i: number): boolean => {
      if (i === to) return true;
      if (seen.has(i)) return false;
      seen.add(i);
      return edges.some(([a, b]) => a === i && walk(b));
    };
    return walk(from);
  };
  const addEdge = (a: number, b: number) => {
    // dag::add_edge: no edge that would close a cycle, no duplicate.
    if (reaches(b, a) || edges.some(([x, y]) => x === a && y === b)) return;
    edges.push([a, b]);
  };
  for (const name of names) {
    const t = byName.get(name)!;
    const node = index(name);
    if (t.before && byName.has(t.before)) addEdge(node, index(t.before));
    if (t.after && byName.has(t.after)) addEdge(index(t.after), node);
  }
  return petgraphTopo(nodes.length, edges).flatMap((i) => [...(hits.get(nodes[i])?.values() ?? [])].sort(compareHandlers));
}
