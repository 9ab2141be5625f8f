// Shared by the spec runner's tests: run fixtures through the real runner on the `local` target.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSpec, type RunSpecOptions, type RunSpecResult } from '../../generator/spec/run.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIX = 'test/spec/fixtures';

export function tempDir(prefix = 'onix-spec-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run files with the real runner on `local`, terminal output captured (no colour). */
export async function run(files: string[], options: RunSpecOptions = {}): Promise<RunSpecResult & { output: string[] }> {
  const output: string[] = [];
  const result = await runSpec({ cwd: ROOT, files, outDir: tempDir(), jobs: 2, ...options, write: (t) => output.push(...t.split('\n')) });
  return { ...result, output };
}

/** Durations vary from run to run; mask them for comparisons. */
export function maskDurations(text: string): string {
  return text.replace(/\d+(\.\d+)? m?s\)/g, 'N ms)');
}
