// The host's processes from /proc, for tests that prove a killed run leaves none of its own.
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${n}/cmdline`, 'latin1').replace(/\0/g, ' ');
      out.push({ pid: Number(n), ppid: Number(rest[1]), cmd });
    } catch {
      // exited
    }
  }
  return out;
}

/** Every process below `root`. */
export function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of all)
      if (c.ppid === p && !found.includes(c)) {
        found.push(c);
        stack.push(c.pid);
      }
  }
  return found;
}

/** Whether `pid` runs (a zombie does not). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) !== 'Z';
  } catch {
    return false;
  }
}

/** Wait until none of `procs` runs (at most `ms`); the ones still running. */
export async function waitGone(procs: Proc[], ms = 15_000): Promise<Proc[]> {
  const deadline = Date.now() + ms;
  let left = procs.filter((p) => alive(p.pid));
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = left.filter((p) => alive(p.pid));
  }
  return left;
}
