// Info-string meta of a console block: `console user=alice timeout=60 skip`.
// Readers never see it (GitHub and the site show only the language).
// Unknown or malformed options are spec errors, never silently ignored.

import type { BlockOptions, Capability } from './types.ts';

/** Per-command timeout when a block gives none, in seconds. */
export const DEFAULT_TIMEOUT_SEC = 60;

const CAPABILITIES: readonly Capability[] = ['kernel', 'reboot', 'crash'];

/** The options a block may carry, with what each accepts (used in error messages too). */
export const KNOWN_OPTIONS: Record<string, string> = {
  user: 'user=NAME',
  timeout: 'timeout=SECONDS',
  skip: 'skip or skip=REASON',
  stderr: 'stderr=separate|merged',
  needs: `needs=${CAPABILITIES.join('|')}[,...]`,
  artifacts: 'artifacts=/ABSOLUTE/PATH[,...]',
};

export type OptionsResult = { ok: true; options: BlockOptions } | { ok: false; message: string };

/** Split meta into tokens; `key="a b"` keeps its spaces. */
function tokens(meta: string): string[] | null {
  const out: string[] = [];
  const re = /\s*([^\s"=]+(?:=(?:"[^"]*"|[^\s"]*))?)\s*/y;
  let at = 0;
  while (at < meta.length) {
    re.lastIndex = at;
    const m = re.exec(meta);
    if (!m) return null;
    out.push(m[1]);
    at = re.lastIndex;
  }
  return out;
}

/** Parse a block's meta string (may be null/empty). */
export function parseBlockOptions(meta: string | null | undefined): OptionsResult {
  const options: BlockOptions = { timeoutSec: DEFAULT_TIMEOUT_SEC, skip: false, stderrSeparate: false, needs: [] };
  const list = tokens((meta ?? '').trim());
  if (!list) return { ok: false, message: `cannot read block options "${meta}" (write key=value separated by spaces)` };
  const seen = new Set<string>();
  for (const token of list) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    let value = eq < 0 ? undefined : token.slice(eq + 1);
    if (value?.startsWith('"')) value = value.slice(1, -1);
    if (!(key in KNOWN_OPTIONS)) {
      return { ok: false, message: `unknown block option "${key}" (known: ${Object.values(KNOWN_OPTIONS).join(', ')})` };
    }
    if (seen.has(key)) return { ok: false, message: `block option "${key}" given twice` };
    seen.add(key);
    const bad = (): OptionsResult => ({ ok: false, message: `bad value for block option: "${token}" (expected ${KNOWN_OPTIONS[key]})` });
    switch (key) {
      case 'user':
        if (!value || !/^[a-z_][a-z0-9_-]*$/i.test(value)) return bad();
        options.user = value;
        break;
      case 'timeout': {
        const n = Number(value);
        if (!value || !Number.isFinite(n) || n <= 0) return bad();
        options.timeoutSec = n;
        break;
      }
      case 'skip':
        options.skip = true;
        if (value !== undefined) {
          if (value === '') return bad();
          options.skipReason = value;
        }
        break;
      case 'stderr':
        if (value !== 'separate' && value !== 'merged') return bad();
        options.stderrSeparate = value === 'separate';
        break;
      case 'needs': {
        const caps = (value ?? '').split(',');
        if (caps.some((c) => !CAPABILITIES.includes(c as Capability))) return bad();
        options.needs = caps as Capability[];
        break;
      }
      case 'artifacts': {
        const paths = (value ?? '').split(',');
        if (paths.some((p) => !/^\/[^,]*[^/,]$/.test(p))) return bad();
        if (new Set(paths.map((p) => p.slice(p.lastIndexOf('/') + 1))).size !== paths.length) return bad();
        options.artifacts = paths;
        break;
      }
    }
  }
  return { ok: true, options };
}
