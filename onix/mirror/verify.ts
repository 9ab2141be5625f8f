// `onix mirror --verify DIR`: every file SHA256SUMS lists is there with that sha256, and no
// other file is (a stone the manifest does not vouch for is not part of the mirror).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXIT, OnixError } from '../cli/errors.ts';
import { MANIFEST, parseManifest } from './sha256sums.ts';
import { sha256File } from '../file-hash.ts';

export interface MirrorCheck {
  /** Files SHA256SUMS lists. */
  checked: number;
  /** One line per problem, naming the file. */
  problems: string[];
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

export function verifyMirror(dir: string): MirrorCheck {
  const manifest = join(dir, MANIFEST);
  if (!existsSync(manifest)) throw new OnixError(`${dir}: no ${MANIFEST}: not a mirror`, EXIT.failed);
  const { lines, bad } = parseManifest(readFileSync(manifest, 'utf8'));
  const problems = bad.map((n) => `${manifest}:${n}: not a "<sha256>  <path>" line`);
  for (const l of lines) {
    const file = join(dir, l.path);
    if (!existsSync(file)) problems.push(`${file}: missing`);
    else {
      const actual = sha256File(file);
      if (actual !== l.hash) problems.push(`${file}: sha256 ${actual}, ${MANIFEST} says ${l.hash}`);
    }
  }
  const listed = new Set(lines.map((l) => l.path));
  for (const f of filesUnder(dir)) if (f !== MANIFEST && !listed.has(f)) problems.push(`${join(dir, f)}: not in ${MANIFEST}`);
  return { checked: lines.length, problems };
}
