// A stone's metadata as Meta payload records, in the order and with the fields of os-tools
// moss/src/package/meta.rs (`to_stone_payload`, `from_stone_payload`); the names of
// dependency kinds are moss/src/dependency.rs `Kind`'s (`name(...)`, `soname(...)`, ...).
import { MossError } from './errors.ts';
import { DEPENDENCY_KINDS, META_TAG_NAMES, MetaTag, relationText, type MetaPrimitive, type MetaRecord } from './stone-format.ts';
import type { StoneMeta } from './stone.ts';

/** What a repository index adds to a stone's metadata (PackageURI, PackageHash, PackageSize). */
export interface IndexFields {
  uri: string;
  /** sha256 of the stone file, hex. */
  hash: string;
  size: number;
}

const str = (value: string): MetaPrimitive => ({ type: 'string', value });
const u64 = (value: number): MetaPrimitive => ({ type: 'integer', kind: 8, value: BigInt(value) });

/** `kind(name)` as a dependency or provider record's primitive. */
function relation(type: 'dependency' | 'provider', text: string): MetaPrimitive {
  const m = /^([a-z0-9]+)\((.*)\)$/.exec(text);
  const kind = m ? DEPENDENCY_KINDS.indexOf(m[1] as (typeof DEPENDENCY_KINDS)[number]) : -1;
  if (!m || kind < 0) throw new MossError(`malformed ${type}: ${text} (expected kind(name), kind one of ${DEPENDENCY_KINDS.join(', ')})`);
  return { type, dependency: kind, name: m[2] };
}

/** dependency.rs `Ord for Dependency`: by the printed form. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** meta.rs `to_stone_payload`: the nine fields every stone has, the index's three, then licenses, dependencies, providers (less `name(...)`) and conflicts. */
export function metaRecords(meta: StoneMeta, index?: IndexFields): MetaRecord[] {
  const dependencies = [...new Set((meta.dependencies ?? []).map((d) => (d.includes('(') ? d : `name(${d})`)))].sort(byText);
  const providers = [...new Set(meta.providers ?? [])].filter((p) => !p.startsWith('name(')).sort(byText);
  const conflicts = [...new Set(meta.conflicts ?? [])].sort(byText);
  const fields: [number, MetaPrimitive][] = [
    [MetaTag.name, str(meta.name)],
    [MetaTag.version, str(meta.version)],
    [MetaTag.release, u64(meta.release)],
    [MetaTag.buildRelease, u64(meta.buildRelease ?? 1)],
    [MetaTag.architecture, str(meta.architecture ?? 'x86_64')],
    [MetaTag.summary, str(meta.summary)],
    [MetaTag.description, str(meta.description ?? meta.summary)],
    [MetaTag.sourceId, str(meta.sourceId ?? meta.name)],
    [MetaTag.homepage, str(meta.homepage ?? '')],
    ...(index
      ? ([
          [MetaTag.packageUri, str(index.uri)],
          [MetaTag.packageHash, str(index.hash)],
          [MetaTag.packageSize, u64(index.size)],
        ] as [number, MetaPrimitive][])
      : []),
    ...(meta.licenses ?? []).map((l): [number, MetaPrimitive] => [MetaTag.license, str(l)]),
    ...dependencies.map((d): [number, MetaPrimitive] => [MetaTag.depends, relation('dependency', d)]),
    ...providers.map((p): [number, MetaPrimitive] => [MetaTag.provides, relation('provider', p)]),
    ...conflicts.map((c): [number, MetaPrimitive] => [MetaTag.conflicts, relation('provider', c)]),
  ];
  return fields.map(([tag, primitive]) => ({ tag, primitive }));
}

const text = (p: MetaPrimitive) => relationText(p as { dependency: number; name: string });

/**
 * meta.rs `from_stone_payload`: the first string (or integer) of each required tag; every
 * license, dependency, provider (plus `name(<name>)`) and conflict. A missing field is an error,
 * as there. Dependencies of an unknown kind are dropped, as `Kind::from_stone_dependency` does.
 */
export function metaFromRecords(records: MetaRecord[]): { meta: StoneMeta; index: Partial<IndexFields> } {
  const string = (tag: number) => records.find((r) => r.tag === tag && r.primitive.type === 'string')?.primitive as { value: string } | undefined;
  const integer = (tag: number) => records.find((r) => r.tag === tag && r.primitive.type === 'integer')?.primitive as { value: bigint } | undefined;
  const need = <T>(v: T | undefined, tag: number): T => {
    if (v === undefined) throw new MossError(`Missing metadata field: ${META_TAG_NAMES[tag]}`);
    return v;
  };
  const known = (r: MetaRecord) => (r.primitive as { dependency: number }).dependency < DEPENDENCY_KINDS.length;
  const relations = (tag: number, type: MetaPrimitive['type']) =>
    records.filter((r) => r.tag === tag && r.primitive.type === type && known(r)).map((r) => text(r.primitive));
  const name = need(string(MetaTag.name), MetaTag.name).value;
  const meta: StoneMeta = {
    name,
    version: need(string(MetaTag.version), MetaTag.version).value,
    release: Number(need(integer(MetaTag.release), MetaTag.release).value),
    buildRelease: Number(need(integer(MetaTag.buildRelease), MetaTag.buildRelease).value),
    architecture: need(string(MetaTag.architecture), MetaTag.architecture).value,
    summary: need(string(MetaTag.summary), MetaTag.summary).value,
    description: need(string(MetaTag.description), MetaTag.description).value,
    sourceId: need(string(MetaTag.sourceId), MetaTag.sourceId).value,
    homepage: need(string(MetaTag.homepage), MetaTag.homepage).value,
    licenses: records.filter((r) => r.tag === MetaTag.license && r.primitive.type === 'string').map((r) => (r.primitive as { value: string }).value),
    // StoneMeta names a package dependency bare, as the stand-in's recipes write it.
    dependencies: [...new Set(records.filter((r) => r.primitive.type === 'dependency' && known(r)).map((r) => text(r.primitive)))]
      .sort(byText)
      .map((d) => d.replace(/^name\((.*)\)$/, '$1')),
    providers: [...new Set([...relations(MetaTag.provides, 'provider'), `name(${name})`])].sort(byText),
    conflicts: [...new Set(relations(MetaTag.conflicts, 'provider'))].sort(byText),
  };
  const size = integer(MetaTag.packageSize);
  return { meta, index: { uri: string(MetaTag.packageUri)?.value, hash: string(MetaTag.packageHash)?.value, size: size && Number(size.value) } };
}
