// A cache file of the generator (parsed pages, page facts, highlighted blocks): its data kept
// with the version of the code that made it and read back only by that version, written to a
// temp file and renamed into place, so a reader never sees half a file and two processes
// saving at once leave one whole file.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** v8: structured clone (Maps, fast for big trees); json: plain data. */
export type CacheFormat = 'v8' | 'json';

/** The data `file` holds for `version`; null when the file is missing, unreadable or of another version. */
export async function readCacheFile<T>(file: string, version: string, format: CacheFormat): Promise<T | null> {
  try {
    const bytes = await readFile(file);
    const stored = (format === 'v8' ? deserialize(bytes) : JSON.parse(bytes.toString('utf8'))) as { version?: unknown; data?: T };
    return stored.version === version && stored.data !== undefined ? stored.data : null;
  } catch {
    return null;
  }
}

/** Write `data` for `version` to `file` (its folder made if missing). */
export async function writeCacheFile(file: string, version: string, data: unknown, format: CacheFormat): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const stored = { version, data };
  await writeFile(tmp, format === 'v8' ? serialize(stored) : JSON.stringify(stored));
  await rename(tmp, file);
}
