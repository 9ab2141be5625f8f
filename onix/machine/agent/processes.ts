// Finding and killing what a session's command started, from /proc, without
// touching the session's shell or the agent.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
}

function readStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ pid: Number(name), ppid: Number(rest[1]), pgrp: Number(rest[2]), session: Number(rest[3]) });
  }
  return out;
}

function childrenOf(pid: number): number[] | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && t === String(pid)) return null; // no CONFIG_PROC_CHILDREN
      continue;
    }
    for (const c of text.split(' ')) if (c) out.push(Number(c));
  }
  return out;
}

/**
 * Every descendant of `root`. Walks /proc/PID/task/TID/children (a handful of
 * reads: this runs under TCG too, where scanning all of /proc takes a second);
 * without CONFIG_PROC_CHILDREN it scans /proc and also takes the other members
 * of root's process group.
 */
export function commandProcesses(root: number): number[] {
  const found = new Set<number>();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const kids = childrenOf(pid);
    if (kids === null) return scanProcesses(root);
    for (const k of kids) {
      if (!found.has(k)) {
        found.add(k);
        stack.push(k);
      }
    }
  }
  found.delete(process.pid);
  return [...found];
}

function scanProcesses(root: number): number[] {
  const stats = readStats();
  const children = new Map<number, number[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s.pid);
    else children.set(s.ppid, [s.pid]);
  }
  const found = new Set<number>();
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  for (const s of stats) if (s.pgrp === root && s.pid !== root) found.add(s.pid);
  found.delete(process.pid);
  return [...found];
}

/** Sends `signal` to everything `root` started; returns how many processes were signalled. */
export function signalCommand(root: number, signal: NodeJS.Signals): number {
  let n = 0;
  for (const pid of commandProcesses(root)) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

/**
 * Kills a session's shell (a session and process group leader) and everything it started:
 * the group is stopped first so nothing forks meanwhile, then its descendants and the members
 * of its process group (with `thorough`, also of its session) are killed. Never the agent.
 */
export function killSession(shell: number, thorough: boolean): void {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal(-shell, 'SIGSTOP');
  const victims = new Set(commandProcesses(shell));
  if (thorough) for (const s of readStats()) if ((s.session === shell || s.pgrp === shell) && s.pid !== process.pid) victims.add(s.pid);
  victims.add(shell);
  for (const pid of victims) signal(pid, 'SIGKILL');
  signal(-shell, 'SIGKILL');
}
