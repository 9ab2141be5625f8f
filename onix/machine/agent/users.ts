// Looks users up in /etc/passwd directly (the guest has no getpwnam binding in Node).
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** The passwd entry for `name`, or for the agent's own user when `name` is undefined. */
export function lookupUser(name: string | undefined, passwdPath = '/etc/passwd'): UserEntry {
  const self = userInfo();
  const wanted = name ?? self.username;
  let text = '';
  try {
    text = readFileSync(passwdPath, 'utf8');
  } catch {
    // No passwd file: only the agent's own user is known.
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[0] === wanted) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/', shell: f[6] || '/bin/sh' };
    }
  }
  if (name === undefined || name === self.username) {
    return { name: self.username, uid: self.uid, gid: self.gid, home: self.homedir, shell: self.shell || '/bin/sh' };
  }
  throw new Error(`no such user: ${name}`);
}
