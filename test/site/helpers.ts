// Shared helpers of the site tests: a content folder in a fresh temp dir.

import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Write `files` (path -> text) under a new temp dir; returns the dir. */
export async function tempSite(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'onix-site-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export function page(title: string | null, body: string, extra = ''): string {
  return `---\n${title === null ? '' : `title: ${title}\n`}${extra}---\n\n${body}\n`;
}

export function read(dir: string, path: string): Promise<string> {
  return readFile(join(dir, path), 'utf8');
}
