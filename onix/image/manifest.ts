// The image manifest: every stone of the ONIX test image with where it comes
// from, which C library it runs on and whether it is upstream software or a
// stand-in, plus the glibc islands (what cannot be musl here, under which
// prefix, with which loader, and why). The image builder writes it
// (manifest-writer.ts) into the image at /usr/share/onix/manifest.json (a
// stone, so moss owns it like the rest of /usr) and beside the image
// (images/<id>/manifest.json); `onix doctor` and the site read it. This file is
// the one type both sides import, and the parser that checks a file against it.

/** Where the manifest lives in the image (relative to the root). */
export const MANIFEST_PATH = 'usr/share/onix/manifest.json';
export const MANIFEST_SCHEMA = 2;

/**
 * The C library a stone's programs run on:
 * musl         dynamically linked against the base's musl loader (or musl itself);
 * glibc-island glibc-built, confined to a declared island prefix with its own loader;
 * static       statically linked programs only, no loader needed;
 * none         no ELF files (scripts, data, configuration).
 */
export const LIBCS = ['musl', 'glibc-island', 'static', 'none'] as const;
export type Libc = (typeof LIBCS)[number];

/** upstream: the real software (Debian's build or ours from Debian's source); stand-in: imitates upstream software that cannot run here; onix: this project's own. */
export const SOFTWARE = ['upstream', 'stand-in', 'onix'] as const;
export type Software = (typeof SOFTWARE)[number];

/** debian-source: built here from a Debian source package; debian-binary: Debian's .deb unpacked; this-repository: files or code in this repository; host: taken from the build host. */
export const SOURCE_KINDS = ['debian-source', 'debian-binary', 'this-repository', 'host'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ManifestSource {
  kind: SourceKind;
  /** Debian package name, repository path, or host program. */
  package: string;
  version: string;
}

export interface ManifestStone {
  name: string;
  version: string;
  release: number;
  summary: string;
  sources: ManifestSource[];
  libc: Libc;
  /** The island's name when libc is glibc-island. */
  island?: string;
  software: Software;
  /** The states (by summary: "Install", "Sync") that install it; empty when only the local repository offers it. */
  states: string[];
  /** Facts a reader needs: what was changed from Debian's build and why, what is a stand-in for what. */
  notes: string[];
}

/** What stays glibc, where, and why. */
export interface GlibcIsland {
  name: string;
  /** Every glibc ELF of the island lies under this prefix. */
  prefix: string;
  /** The island's own dynamic loader (never on the base's library path), or null for an island of
   *  libraries only, which programs bringing their own glibc load (the bridge Mesa: Nix apps). */
  loader: string | null;
  stones: string[];
  why: string;
}

/** The Nix plane in /nix: not a moss stone (moss never touches /nix), Nix's own glibc store. */
export interface ManifestNixPlane {
  /** Nix's version, e.g. "2.8.0". */
  version: string;
  /** The store path of Nix itself, e.g. "/nix/store/...-nix-2.8.0". */
  storePath: string;
  sources: ManifestSource[];
  why: string;
}

export interface ImageManifest {
  schema: typeof MANIFEST_SCHEMA;
  base: {
    libc: 'musl';
    /** musl's version (the musl stone). */
    version: string;
    /** The loader file, owned by moss in /usr. */
    loader: string;
    /** The PT_INTERP path base programs carry (through the /lib -> usr/lib root link). */
    interp: string;
    /** The directories musl's loader searches (its built-in default path). */
    libraryPath: string[];
    /** The toolchain the base's source builds used. */
    toolchain: string;
  };
  stones: ManifestStone[];
  islands: GlibcIsland[];
  /** The Nix plane, when the image has one (null: none). */
  nix: ManifestNixPlane | null;
}

function fail(what: string): never {
  throw new Error(`image manifest: ${what}`);
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  if (!isString(o[key])) fail(`${where}.${key} is not a string`);
  return o[key] as string;
}

function strings(o: Record<string, unknown>, key: string, where: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every(isString)) fail(`${where}.${key} is not a list of strings`);
  return v as string[];
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} is not an object`);
  return v as Record<string, unknown>;
}

function oneOf<T extends string>(values: readonly T[], v: unknown, where: string): T {
  if (!values.includes(v as T)) fail(`${where} is ${JSON.stringify(v)}, not one of ${values.join(', ')}`);
  return v as T;
}

/** Parses and checks a manifest (JSON text); throws one line naming the first problem. */
export function parseManifest(text: string): ImageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`not JSON (${(e as Error).message})`);
  }
  const m = obj(raw, 'manifest');
  if (m.schema !== MANIFEST_SCHEMA) fail(`schema is ${JSON.stringify(m.schema)}, this reader knows ${MANIFEST_SCHEMA}`);
  const b = obj(m.base, 'base');
  if (b.libc !== 'musl') fail('base.libc is not "musl"');
  const base = {
    libc: 'musl' as const,
    version: str(b, 'version', 'base'),
    loader: str(b, 'loader', 'base'),
    interp: str(b, 'interp', 'base'),
    libraryPath: strings(b, 'libraryPath', 'base'),
    toolchain: str(b, 'toolchain', 'base'),
  };
  if (!Array.isArray(m.islands)) fail('islands is not a list');
  const islands = (m.islands as unknown[]).map((v, i) => {
    const o = obj(v, `islands[${i}]`);
    const w = `islands[${i}]`;
    const loader = o.loader === null ? null : str(o, 'loader', w);
    return { name: str(o, 'name', w), prefix: str(o, 'prefix', w), loader, stones: strings(o, 'stones', w), why: str(o, 'why', w) };
  });
  if (!Array.isArray(m.stones) || m.stones.length === 0) fail('stones is not a non-empty list');
  const stones = (m.stones as unknown[]).map((v, i): ManifestStone => {
    const o = obj(v, `stones[${i}]`);
    const w = `stones[${i}]`;
    if (!Number.isInteger(o.release)) fail(`${w}.release is not an integer`);
    if (!Array.isArray(o.sources) || o.sources.length === 0) fail(`${w}.sources is not a non-empty list`);
    const sources = (o.sources as unknown[]).map((s, j) => {
      const so = obj(s, `${w}.sources[${j}]`);
      return {
        kind: oneOf(SOURCE_KINDS, so.kind, `${w}.sources[${j}].kind`),
        package: str(so, 'package', `${w}.sources[${j}]`),
        version: str(so, 'version', `${w}.sources[${j}]`),
      };
    });
    const libc = oneOf(LIBCS, o.libc, `${w}.libc`);
    const stone: ManifestStone = {
      name: str(o, 'name', w),
      version: str(o, 'version', w),
      release: o.release as number,
      summary: str(o, 'summary', w),
      sources,
      libc,
      software: oneOf(SOFTWARE, o.software, `${w}.software`),
      states: strings(o, 'states', w),
      notes: strings(o, 'notes', w),
    };
    if (libc === 'glibc-island') {
      const island = str(o, 'island', w);
      if (!islands.some((isl) => isl.name === island)) fail(`${w} (${stone.name}) names island "${island}", which is not declared`);
      stone.island = island;
    }
    return stone;
  });
  let nix: ManifestNixPlane | null = null;
  if (m.nix !== undefined && m.nix !== null) {
    const o = obj(m.nix, 'nix');
    if (!Array.isArray(o.sources)) fail('nix.sources is not a list');
    const sources = (o.sources as unknown[]).map((v, i) => {
      const s = obj(v, `nix.sources[${i}]`);
      const kind = str(s, 'kind', `nix.sources[${i}]`);
      if (!(SOURCE_KINDS as readonly string[]).includes(kind)) fail(`nix.sources[${i}].kind is not one of ${SOURCE_KINDS.join(', ')}`);
      return { kind: kind as SourceKind, package: str(s, 'package', `nix.sources[${i}]`), version: str(s, 'version', `nix.sources[${i}]`) };
    });
    nix = { version: str(o, 'version', 'nix'), storePath: str(o, 'storePath', 'nix'), sources, why: str(o, 'why', 'nix') };
  }
  return { schema: MANIFEST_SCHEMA, base, stones, islands, nix };
}
