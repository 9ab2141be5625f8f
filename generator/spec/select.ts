// Which cases a run executes, from the pages' extracted cases: the --filter, the --shard, and
// the checks that need every case at once (an artifact file name declared twice is a spec
// error, since artifacts are saved by file name).

import { createHash } from 'node:crypto';
import { type ExtractedPage, type SpecCase, SpecError, SpecRunError } from './types.ts';

export interface Selection {
  cases: SpecCase[];
  specErrors: SpecError[];
  /** Ids of cases with a spec error: reported as errors, never run. */
  broken: Set<string>;
}

export interface SelectOptions {
  /** Only cases whose id or title contains this text, case-insensitively (default: all). */
  filter?: string;
  /** Only shard `index` of `count` (default: all). */
  shard?: { index: number; count: number };
  /** Pages named one by one: each holding nothing to run gets a note (default: none). */
  named?: ReadonlySet<string>;
  /** Fail when the pages hold nothing at all to run (default: false: pages handed over by the site build may well have none). */
  mustRun?: boolean;
  /** Where notes go (default: nowhere). */
  write?: (text: string) => void;
}

/** Stable shard of a case: sha256 of its id, mod count (1-based). */
export function shardOf(caseId: string, count: number): number {
  const h = createHash('sha256').update(caseId).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** The cases to run of `extracted`, with every spec error found. @throws SpecRunError when --filter matches no case, or with `mustRun` when nothing is left to run. */
export function selectCases(extracted: ExtractedPage[], options: SelectOptions): Selection {
  const specErrors = extracted.flatMap((p) => p.errors);
  const broken = new Set(extracted.flatMap((p) => [...p.brokenCases]));
  let cases: SpecCase[] = extracted.flatMap((p) => p.cases);
  const filter = options.filter?.toLowerCase();
  if (filter) {
    const before = cases.length;
    cases = cases.filter((c) => `${c.id} ${c.title}`.toLowerCase().includes(filter));
    if (before > 0 && cases.length === 0) throw new SpecRunError(`--filter ${options.filter} matches no case`);
  }
  for (const p of extracted)
    if (options.named?.has(p.file) && p.cases.length === 0 && p.errors.length === 0)
      options.write?.(`note: ${p.file} has no console transcripts or contract table`);
  if (options.mustRun && cases.length === 0 && specErrors.length === 0) {
    const pages = extracted.length === 1 ? extracted[0]!.file : `${extracted.length} pages`;
    throw new SpecRunError(`nothing to run: no console transcripts or contract table in ${pages}`);
  }
  const shard = options.shard;
  if (shard) cases = cases.filter((c) => shardOf(c.id, shard.count) === shard.index);
  // Artifacts land in the report dir as artifacts/<file name>: a name may be declared once.
  const artifactNames = new Map<string, string>();
  for (const c of extracted.flatMap((p) => p.cases)) {
    for (const b of c.blocks) {
      if (b.kind !== 'transcript') continue;
      for (const path of b.options.artifacts ?? []) {
        const name = path.slice(path.lastIndexOf('/') + 1);
        const other = artifactNames.get(name);
        if (other) {
          specErrors.push(new SpecError(b.file, b.line, `artifact name ${name} is also declared at ${other} (artifacts are saved by file name)`));
          broken.add(c.id);
        } else artifactNames.set(name, b.id);
      }
    }
  }
  return { cases, specErrors, broken };
}
