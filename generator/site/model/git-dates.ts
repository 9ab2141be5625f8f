// Last-updated dates of content files from git, with ONE `git log` for the whole site.

import { execFile } from 'node:child_process';
import { relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Map from path relative to `contentDir` (posix) to the date (YYYY-MM-DD, UTC) of the last
 * commit that touched it. Empty when `contentDir` is not inside a git work tree.
 * Uncommitted edits do not change the date, so two builds of one commit agree.
 */
export async function lastCommitDates(contentDir: string): Promise<Map<string, string>> {
  const dir = resolve(contentDir);
  const dates = new Map<string, string>();
  let top: string;
  let log: string;
  try {
    top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir })).stdout.trim();
    log = (
      await run('git', ['log', '--format=%x00%cd', '--date=format-local:%Y-%m-%d', '--name-only', '--no-renames', '--', '.'], {
        cwd: dir,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, TZ: 'UTC' },
      })
    ).stdout;
  } catch {
    return dates;
  }
  const prefix = relative(top, dir).split(sep).join('/');
  for (const entry of log.split('\0')) {
    const [date, ...files] = entry.split('\n');
    if (!date) continue;
    for (const f of files) {
      if (!f) continue;
      const rel = prefix ? (f.startsWith(`${prefix}/`) ? f.slice(prefix.length + 1) : null) : f;
      // Newest first: keep the first date seen for each file.
      if (rel !== null && !dates.has(rel)) dates.set(rel, date.trim());
    }
  }
  return dates;
}
