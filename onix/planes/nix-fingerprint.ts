// The fingerprint of the Nix plane that `onix rollback` and `onix update` take
// before and after moving the machine plane: "/nix: untouched" is printed only when
// the two are equal. Apart from toolbox.ts so `onix status` does not load node:crypto.

import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { hostPath, walkRoot } from './root-path.ts';
import { DAEMON_SOCKET } from './nix-daemon-socket.ts';
import { GCROOTS, NIX_DB, PROFILES, storePathNames } from './toolbox.ts';

export interface NixFingerprint {
  /** Store path names under /nix/store (sorted). */
  storePaths: string[];
  /** sha256 of the Nix database (db.sqlite and its -wal, if any); null when absent. */
  db: string | null;
  /** Every symlink under profiles and gcroots, `path -> target`, sorted (profiles and their generations). */
  links: string[];
  /** Identity of the daemon socket (inode and change time); null when absent. */
  socket: string | null;
}

export function fingerprintNix(root: string): NixFingerprint {
  const storePaths = storePathNames(root);
  let db: string | null = null;
  for (const file of [NIX_DB, `${NIX_DB}-wal`]) {
    try {
      const bytes = readFileSync(hostPath(root, file));
      db = createHash('sha256')
        .update(db ?? '')
        .update(bytes)
        .digest('hex');
    } catch {
      /* absent */
    }
  }
  const links: string[] = [];
  collectLinks(root, PROFILES, links);
  collectLinks(root, GCROOTS, links);
  let socket: string | null = null;
  try {
    const st = lstatSync(hostPath(root, DAEMON_SOCKET));
    socket = `${st.ino}:${st.ctimeMs}`;
  } catch {
    /* absent */
  }
  return { storePaths, db, links: links.sort(), socket };
}

function collectLinks(root: string, dir: string, out: string[]): void {
  walkRoot(root, dir, (path, st) => {
    if (st.isSymbolicLink()) out.push(`${path} -> ${readlinkSync(hostPath(root, path))}`);
  });
}

/** What changed between two fingerprints, one phrase per part; empty when identical. */
export function diffFingerprint(before: NixFingerprint, after: NixFingerprint): string[] {
  const changes: string[] = [];
  const b = new Set(before.storePaths);
  const a = new Set(after.storePaths);
  const added = after.storePaths.filter((p) => !b.has(p));
  const removed = before.storePaths.filter((p) => !a.has(p));
  if (added.length || removed.length) changes.push(`store paths +${added.length} -${removed.length}`);
  if (before.db !== after.db) changes.push('database changed');
  const bl = new Set(before.links);
  const al = new Set(after.links);
  const linkChanges = after.links.filter((l) => !bl.has(l)).length + before.links.filter((l) => !al.has(l)).length;
  if (linkChanges) changes.push(`profiles/gcroots: ${linkChanges} links changed`);
  if (before.socket !== after.socket) changes.push('daemon socket changed');
  return changes;
}
