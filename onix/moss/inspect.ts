// `moss inspect [--check [-q]] PATH...`, printing what os-tools moss/src/cli/inspect.rs prints:
// a stone's metadata records, its dependencies, providers and conflicts, and its layout; with
// --check, each payload that passed its checksum and a result per file.
import { closeSync, openSync } from 'node:fs';
import { MossError } from './errors.ts';
import { checkStone, readStone } from './stone-file.ts';
import {
  bytesU128,
  Compression,
  LayoutFileType,
  META_TAG_NAMES,
  MetaTag,
  PayloadKind,
  relationText,
  type MetaRecord,
  type PayloadHeader,
} from './stone-format.ts';

const COLUMN_WIDTH = 20;

const tagDebug = (tag: number) => META_TAG_NAMES[tag] ?? 'Unknown';

/** `{:?}` of a StonePayloadMetaDependency. */
const DEPENDENCY_DEBUG = ['PackageName', 'SharedLibrary', 'PkgConfig', 'Interpreter', 'CMake', 'Python', 'Binary', 'SystemBinary', 'PkgConfig32'];
const INTEGER_DEBUG: Record<number, string> = { 1: 'Int8', 2: 'Uint8', 3: 'Int16', 4: 'Uint16', 5: 'Int32', 6: 'Uint32', 7: 'Int64', 8: 'Uint64' };

/** `{:?}` of a whole StonePayloadMetaRecord, for primitives inspect.rs has no line format for. */
function recordDebug(r: MetaRecord): string {
  const p = r.primitive;
  let primitive: string;
  if (p.type === 'integer') primitive = `${INTEGER_DEBUG[p.kind]}(${p.value})`;
  else if (p.type === 'string') primitive = `String(${JSON.stringify(p.value)})`;
  else if (p.type === 'unknown') primitive = `Unknown([${[...p.bytes].join(', ')}])`;
  else primitive = `${p.type === 'dependency' ? 'Dependency' : 'Provider'}(${DEPENDENCY_DEBUG[p.dependency] ?? 'Unknown'}, ${JSON.stringify(p.name)})`;
  return `StonePayloadMetaRecord { tag: ${tagDebug(r.tag)}, primitive: ${primitive} }`;
}

const pad = (s: string) => s.padEnd(COLUMN_WIDTH);

function section(title: string, items: string[]): string {
  return items.length === 0 ? '' : `\n${pad(title)} :\n${items.map((i) => `    - ${i}\n`).join('')}`;
}

/** inspect.rs `handle_detailed` for one file. */
function describe(path: string): string {
  const s = readStone(path);
  let out = `${JSON.stringify(path)} = stone container version V1`;
  let metaAt = 0;
  for (const h of s.payloads) {
    if (h.kind === PayloadKind.meta && h.compression !== 255) {
      const records = s.metas[metaAt++];
      out += '\n';
      const deps: string[] = [];
      const provs: string[] = [];
      const cnfls: string[] = [];
      for (const r of records) {
        const p = r.primitive;
        if (p.type === 'provider' && r.tag === MetaTag.provides) provs.push(relationText(p));
        else if (p.type === 'provider' && r.tag === MetaTag.conflicts) cnfls.push(relationText(p));
        else if (p.type === 'dependency') deps.push(relationText(p));
        else if (p.type === 'string') out += `${pad(tagDebug(r.tag))} : ${p.value}\n`;
        else if (p.type === 'integer' && (p.kind === 7 || p.kind === 8)) out += `${pad(tagDebug(r.tag))} : ${p.value}\n`;
        else out += `${pad(tagDebug(r.tag))} : ${recordDebug(r)}\n`;
      }
      out += section('Dependencies', deps) + section('Providers', provs) + section('Conflicts', cnfls);
    } else if (h.kind === PayloadKind.layout && s.layout.length > 0) {
      const entries = s.layout.map((l) => {
        if (l.fileType === LayoutFileType.regular) return `/usr/${l.target} - [Regular] ${bytesU128(l.source).toString(16).padStart(32, '0')}`;
        if (l.fileType === LayoutFileType.directory) return `/usr/${l.target} [Directory]`;
        if (l.fileType === LayoutFileType.symlink) return `/usr/${l.target} -> ${l.source.toString('utf8').replace(/\0+$/, '')} [Symlink]`;
        // inspect.rs: `_ => unreachable!()`.
        throw new MossError(`${path}: layout entry /usr/${l.target} has file type ${l.fileType}, which inspect cannot show`);
      });
      out += section('Layout entries', entries);
    }
  }
  return out;
}

const KIND_NAME: Record<number, string> = { 1: 'Meta', 2: 'Content', 3: 'Layout', 4: 'Index', 5: 'Attributes' };

/** read/mod.rs `StoneDecodedPayload::name`. */
function payloadName(h: PayloadHeader): string {
  const kind = KIND_NAME[h.kind];
  if (h.compression === Compression.none || h.compression === Compression.zstd) return kind ?? 'Unknown payload type';
  return kind ? `${kind} - unknown compression` : 'Unknown payload type & compression';
}

export interface InspectOptions {
  check: boolean;
  quiet: boolean;
}

/** Runs `moss inspect`; returns the exit status. */
export function inspectStones(paths: string[], options: InspectOptions, out: (text: string) => void): number {
  if (paths.length === 0) throw new MossError('inspect needs at least one PATH');
  if (options.quiet && !options.check) throw new MossError('inspect: --quiet requires --check');
  if (!options.check) {
    for (const p of paths) out(describe(p));
    return 0;
  }
  const failures: string[] = [];
  for (const p of paths) {
    if (!options.quiet) out(`Checking: ${JSON.stringify(p)}\n`);
    let payloads: PayloadHeader[];
    try {
      closeSync(openSync(p, 'r'));
    } catch (e) {
      failures.push(`${p}: ${(e as Error).message}`);
      // inspect.rs: `Error::IO` prints as "io".
      if (!options.quiet) out('Result: FAILED - io\n\n');
      continue;
    }
    try {
      payloads = checkStone(p);
    } catch (e) {
      if (!(e instanceof MossError)) throw e;
      failures.push(e.message);
      // inspect.rs: `Error::Format` prints as "stone format"; the detail goes to the error line.
      if (!options.quiet) out('Result: FAILED - stone format\n\n');
      continue;
    }
    if (!options.quiet) out(`${payloads.map((h) => `  OK: ${payloadName(h)}\n`).join('')}Result: OK\n\n`);
  }
  if (failures.length) throw new MossError(`inspect: One or more files failed the integrity check (${failures.join('; ')})`);
  return 0;
}
