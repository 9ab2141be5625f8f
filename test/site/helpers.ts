// Shared helpers of the site tests: a content folder in a fresh temp dir.

import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SpecReport } from '../../generator/spec/report-types.ts';

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

/**
 * A spec report holding `fields` (pages, cases and totals at least), run on the VM on
 * 2026-12-01 from 10:00 to 10:05 unless `fields` say otherwise.
 */
export function specReport(fields: Partial<SpecReport> & Pick<SpecReport, 'pages' | 'cases' | 'totals'>): SpecReport {
  return {
    version: 1,
    startedAt: '2026-12-01T10:00:00Z',
    finishedAt: '2026-12-01T10:05:00Z',
    machine: { target: 'vm', imageId: '0f095cb4e1', fstx: '2', host: 'qemu tcg' },
    commit: null,
    shard: null,
    ...fields,
  };
}
