// Writes the image manifest (manifest.ts) from the built stones: each stone's
// provenance comes from the table below (a stone the table does not know stops
// the build, so none goes undeclared), and each libc claim is checked against
// the stone's own files before it is written: a "musl" stone has no glibc
// program, a "none" stone no program at all, a glibc island's programs lie
// under its prefix.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUSL_LIBRARY_PATH, readElfInterp, type ElfInterp } from '../planes/elf-interp.ts';
import type { DebPin } from './debs.ts';
import { ImageBuildError } from './host-tools.ts';
import { MANIFEST_SCHEMA, type GlibcIsland, type ImageManifest, type Libc, type ManifestSource, type ManifestStone, type Software } from './manifest.ts';
import { MUSL_INTERP, type MuslToolchain } from './musl-toolchain.ts';
import { CONFIG_CHANGES } from './recipes/busybox-musl.ts';
import { CONFIGURE_CHANGES, LOCAL_OPTIONS } from './recipes/dropbear-musl.ts';
import { VM_KERNEL_OPTIONS } from './recipes/kernel-config.ts';
import { GLIBC_PACKAGES } from './recipes/mesa.ts';
import type { CachedStone, StoneRecipe } from './stone-cache.ts';
import { hashText } from './stone-cache.ts';

export const ISLANDS: GlibcIsland[] = [
  {
    name: 'onix-runtime',
    prefix: '/usr/lib/onix',
    loader: '/usr/lib/onix/lib/ld-linux-x86-64.so.2',
    stones: ['onix-cli'],
    why: "Node.js runs onix, the moss stand-in and onix-agent; Debian ships no musl Node, so the host's glibc Node and better-sqlite3's native module run with a private glibc (interpreter and RUNPATH point into the prefix). Upstream moss is a Rust program built for musl and would need none of it.",
  },
  {
    name: 'mesa-bridge',
    prefix: '/usr/lib/x86_64-linux-gnu',
    loader: null,
    stones: ['glibc', 'mesa'],
    why: "the /run/opengl-driver bridge serves Nix apps, which are glibc programs: ONIX's plan expects the bridge Mesa to be a glibc variant. Debian's Mesa and the glibc libraries it needs stay in the multiarch directory, which is not on musl's library path; they are libraries only, loaded by the Nix app's own glibc loader (there is no /lib64/ld-linux-x86-64.so.2 to run a glibc program with).",
  },
];

interface Provenance {
  sources: ManifestSource[];
  libc: Libc;
  island?: string;
  software: Software;
  notes: string[];
}

/** What the table needs to know about this build. */
export interface ManifestInputs {
  groups: Map<string, DebPin[]>;
  toolchain: MuslToolchain;
  /** States by summary and the stone ids each installs. */
  states: { summary: string; stones: string[] }[];
  /** Versions of what the onix-cli stone takes from the host. */
  node: string;
  betterSqlite3: string;
  /** The Nix plane's Nix (its store path) and the Debian packages it was relocated from (default: no plane). */
  nix?: { storePath: string; pins: DebPin[] };
}

function debs(kind: 'debian-source' | 'debian-binary', pins: DebPin[]): ManifestSource[] {
  return pins.map((p) => ({ kind, package: p.name, version: p.version }));
}

function pin(inputs: ManifestInputs, group: string, name: string): DebPin {
  const p = inputs.groups.get(group)?.find((x) => x.name === name);
  if (!p) throw new ImageBuildError(`onix/image/packages.txt [${group}] lacks ${name}`);
  return p;
}

function repo(path: string, version: string): ManifestSource {
  return { kind: 'this-repository', package: path, version };
}

function provenance(stone: CachedStone['stone'], inputs: ManifestInputs): Provenance {
  const { name, version } = stone.meta;
  const headers = pin(inputs, 'musl-build', 'linux-libc-dev');
  const built = `built with ${inputs.toolchain.id}; kernel headers from ${headers.name} ${headers.version}`;
  switch (name) {
    case 'filesystem':
      return {
        sources: [repo('onix/image/files', version)],
        libc: 'none',
        software: 'onix',
        notes: ['layout, os-release, /etc defaults and the init scripts (busybox sh)'],
      };
    case 'musl':
      return {
        sources: debs('debian-binary', [pin(inputs, 'base', 'musl')]),
        libc: 'musl',
        software: 'upstream',
        notes: ['the base C library and its loader, /usr/lib/ld-musl-x86_64.so.1'],
      };
    case 'busybox':
      return {
        sources: [...debs('debian-source', [pin(inputs, 'source', 'busybox')]), ...debs('debian-binary', [headers])],
        libc: 'musl',
        software: 'upstream',
        notes: [
          built,
          "configuration: Debian's busybox-static (debian/config/pkg/static) with these changes",
          ...Object.entries(CONFIG_CHANGES).map(([k, c]) => `${k} ${c.value === false ? 'off' : c.value}: ${c.why}`),
          '/usr/bin/busybox is setuid root (su, passwd need it); CONFIG_FEATURE_SUID drops the privilege in every other applet',
        ],
      };
    case 'dropbear':
      return {
        sources: [...debs('debian-source', [pin(inputs, 'source', 'dropbear')]), ...debs('debian-binary', [headers])],
        libc: 'musl',
        software: 'upstream',
        notes: [built, ...CONFIGURE_CHANGES.map((c) => `${c.flags.join(' ')}: ${c.why}`), ...LOCAL_OPTIONS.map((o) => `${o.line}: ${o.why}`)],
      };
    case 'linux': {
      const source = inputs.groups.get('base')?.find((p) => p.name.startsWith('linux-source-'));
      if (!source) throw new ImageBuildError('onix/image/packages.txt [base] names no linux-source-* package');
      const modules = Object.entries(VM_KERNEL_OPTIONS).filter(([, o]) => o.value === 'm');
      return {
        sources: [
          ...debs('debian-binary', [source, pin(inputs, 'base', 'busybox-static')]),
          repo('onix/image/recipes/kernel-config.ts', version),
          repo('onix/image/files/initramfs-init', version),
          repo('onix/moss/exchange.c', version),
        ],
        libc: 'static',
        software: 'upstream',
        notes: [
          `compiled from ${source.name} ${source.version} (the upstream tree with Debian's patches) by the host's gcc: Linux's tinyconfig plus ${Object.keys(VM_KERNEL_OPTIONS).length} options, each with its reason in onix/image/recipes/kernel-config.ts; the VM's virtual devices and filesystems are built in, so its boot probes no absent hardware`,
          `modules loaded at boot: ${modules.map(([k]) => k.replace(/^CONFIG_/, '').toLowerCase()).join(', ')}, with the modules it depends on (${modules.map(([, o]) => o.why).join('; ')})`,
          "the kernel has no libc; its initramfs holds Debian's busybox-static (glibc, statically linked) and moss-exchange (static), neither of them in the base's /usr/bin",
        ],
      };
    }
    case 'systemd-boot':
      return {
        sources: debs('debian-binary', [pin(inputs, 'base', 'systemd-boot-efi')]),
        libc: 'none',
        software: 'upstream',
        notes: ['the UEFI boot manager (a PE image, no libc) that moss copies to the ESP; the VM boots its entries directly under QEMU'],
      };
    case 'glibc':
      return {
        sources: debs(
          'debian-binary',
          GLIBC_PACKAGES.map((n) => pin(inputs, 'node-runtime', n)),
        ),
        libc: 'glibc-island',
        island: 'mesa-bridge',
        software: 'upstream',
        notes: ['glibc, libgcc and libstdc++ for the bridge Mesa, in the multiarch directory only'],
      };
    case 'mesa': {
      const group = inputs.groups.get(`mesa-${version}`);
      if (!group) throw new ImageBuildError(`onix/image/packages.txt has no [mesa-${version}] group`);
      return {
        sources: debs(
          'debian-binary',
          group.filter((p) => !GLIBC_PACKAGES.includes(p.name)),
        ),
        libc: 'glibc-island',
        island: 'mesa-bridge',
        software: 'upstream',
        notes: ['glibc-built, for the /run/opengl-driver bridge'],
      };
    }
    case 'onix-cli':
      return {
        sources: [
          repo('onix/cli', version),
          repo('onix/moss', version),
          repo('onix/machine/agent', version),
          { kind: 'host', package: 'node', version: inputs.node },
          { kind: 'host', package: 'better-sqlite3 (npm)', version: inputs.betterSqlite3 },
          ...debs(
            'debian-binary',
            GLIBC_PACKAGES.map((n) => pin(inputs, 'node-runtime', n)),
          ),
        ],
        libc: 'glibc-island',
        island: 'onix-runtime',
        software: 'stand-in',
        notes: [
          "/usr/bin/moss is a stand-in for upstream moss (AerynOS os-tools, Rust): it keeps moss's on-disk format and command shape",
          "/usr/bin/onix and /usr/bin/onix-agent are this project's own; all three are #! launchers of the island's Node that run a CommonJS bundle with its V8 code cache",
          "/usr/libexec/moss/moss-exchange and moss-container are static (renameat2 and flock; the transaction triggers' container)",
        ],
      };
    case 'onix-nix-integration':
      return {
        sources: [repo('onix/image/files/seam', version)],
        libc: 'static',
        software: 'onix',
        notes: [
          'the seam: shell scripts and /etc/nix defaults',
          "socket-activate (C, static with musl) starts nix-daemon on its socket's first client, as Nix's nix-daemon.socket unit does under systemd",
        ],
      };
    case 'onix-hello':
      return {
        sources: [repo('onix/image/recipes/base.ts', version)],
        libc: 'none',
        software: 'onix',
        notes: ['offered by the local repository for `moss install`; no state installs it'],
      };
    case MANIFEST_STONE:
      return { sources: [repo('onix/image/manifest-writer.ts', version)], libc: 'none', software: 'onix', notes: ['this manifest'] };
    default:
      throw new ImageBuildError(`stone ${name} has no provenance in onix/image/manifest-writer.ts: declare its sources and libc there`);
  }
}

/** The ELF programs and libraries of a stone, with their interpreters (paths as in the image). */
function stoneElves(c: CachedStone): { path: string; elf: ElfInterp }[] {
  const out: { path: string; elf: ElfInterp }[] = [];
  for (const e of c.stone.layout) {
    if (e.type !== 'regular') continue;
    const elf = readElfInterp(c.repo.assetPath(e.hash));
    if (elf) out.push({ path: `/usr/${e.path}`, elf });
  }
  return out;
}

/**
 * Checks a libc claim against the stone's files; returns the problem, if any. glibc's own
 * libc.so.6 is left out of the loader check: it carries a PT_INTERP (/lib64/...) only so that
 * running it prints its version; programs load it as a library through their own loader.
 */
export function libcProblem(name: string, claim: Provenance, elves: { path: string; elf: ElfInterp }[]): string | undefined {
  const bad = (why: string, found: { path: string; elf: ElfInterp }[]) =>
    found.length
      ? `stone ${name} is declared ${claim.libc} but ${found[0].path} ${why}${found.length > 1 ? ` (and ${found.length - 1} more)` : ''}`
      : undefined;
  switch (claim.libc) {
    case 'none':
      return bad('is an ELF program or library', elves);
    case 'static':
      return bad(
        `has a dynamic loader`,
        elves.filter((e) => e.elf.interp !== null),
      );
    case 'musl':
      return bad(
        'does not use the musl loader',
        elves.filter((e) => e.elf.interp !== null && e.elf.libc !== 'musl'),
      );
    case 'glibc-island': {
      const island = ISLANDS.find((i) => i.name === claim.island);
      if (!island) return `stone ${name} names island ${claim.island ?? '(none)'}, which is not declared`;
      return (
        bad(
          `lies outside the island prefix ${island.prefix}`,
          elves.filter((e) => e.elf.interp !== null && !e.path.startsWith(`${island.prefix}/`)),
        ) ??
        (island.loader === null
          ? undefined
          : bad(
              `uses a loader other than the island's ${island.loader}`,
              elves.filter((e) => e.elf.libc === 'glibc' && e.elf.interp !== island.loader && !e.path.endsWith('/libc.so.6')),
            ))
      );
    }
  }
}

/**
 * How the manifest names a stone in a state: "<name> <version>-<release>". A package's moss id is
 * the sha256 of its stone file, which the manifest, carried by a stone itself, cannot know of its own.
 */
export function stoneKey(meta: { name: string; version: string; release: number }): string {
  return `${meta.name} ${meta.version}-${meta.release}`;
}

/** The name of the stone that carries the manifest into /usr. */
export const MANIFEST_STONE = 'onix-manifest';

/** The manifest of an image made of `stones` (and the manifest stone itself, `self`). */
export function describeImage(stones: CachedStone[], self: { meta: CachedStone['stone']['meta'] }, inputs: ManifestInputs): ImageManifest {
  const entries: ManifestStone[] = [];
  const statesOf = (meta: CachedStone['stone']['meta']) => inputs.states.filter((s) => s.stones.includes(stoneKey(meta))).map((s) => s.summary);
  for (const c of stones) {
    const p = provenance(c.stone, inputs);
    const problem = libcProblem(c.stone.meta.name, p, stoneElves(c));
    if (problem) throw new ImageBuildError(problem);
    const { meta } = c.stone;
    entries.push({ name: meta.name, version: meta.version, release: meta.release, summary: meta.summary, ...p, states: statesOf(meta) });
  }
  const own = provenance({ id: '', meta: self.meta, layout: [] }, inputs);
  entries.push({
    name: self.meta.name,
    version: self.meta.version,
    release: self.meta.release,
    summary: self.meta.summary,
    ...own,
    states: statesOf(self.meta),
  });
  const musl = pin(inputs, 'base', 'musl');
  return {
    schema: MANIFEST_SCHEMA,
    base: {
      libc: 'musl',
      version: musl.version,
      loader: '/usr/lib/ld-musl-x86_64.so.1',
      interp: MUSL_INTERP,
      libraryPath: MUSL_LIBRARY_PATH,
      toolchain: inputs.toolchain.id,
    },
    stones: entries,
    islands: ISLANDS,
    nix: inputs.nix
      ? {
          version: /-nix-([^/]+)$/.exec(inputs.nix.storePath)?.[1] ?? 'unknown',
          storePath: inputs.nix.storePath,
          sources: debs('debian-binary', inputs.nix.pins),
          why: "the persistent multi-user Nix plane: Debian's Nix relocated into store paths with its own glibc (Nix apps bring their own glibc), registered in its own database; moss never touches /nix",
        }
      : null,
  };
}

/** The manifest stone: /usr/share/onix/manifest.json. */
export function manifestRecipe(meta: CachedStone['stone']['meta'], manifest: ImageManifest): StoneRecipe {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  return {
    meta,
    inputs: [hashText(text)],
    async make(usr) {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(usr, 'share/onix'), { recursive: true });
      writeFileSync(join(usr, 'share/onix/manifest.json'), text, { mode: 0o644 });
    },
  };
}
