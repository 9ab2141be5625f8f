// Builds the plane's store items from unpacked Debian packages: the store glibc,
// one item per library package (RUNPATH into the store), Nix itself, busybox,
// tcc and the C headers the offline flake builds with, and raw seeded files.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ImageBuildError } from '../host-tools.ts';
import { type Closure, elfClosure, type SonameSource, sonameIndex } from './elf-closure.ts';
import { needed, relocate } from './elf.ts';
import { NIX_PACKAGES, PLANE_RECIPE, upstreamVersion } from './plane-inputs.ts';
import { StoreBuilder, type StoreItem } from './store.ts';

/** Sonames that never need a RUNPATH to be found: the executable always loads them first. */
const ALWAYS_LOADED = new Set(['libc.so.6', 'ld-linux-x86-64.so.2']);

export class PlaneBuilder {
  readonly store: StoreBuilder;
  glibc!: StoreItem;
  private glibcSonames = new Set<string>();
  private libItems = new Map<string, StoreItem>();
  private index = new Map<string, SonameSource>();

  constructor(
    readonly nixRoot: string,
    readonly unpacked: Map<string, string>,
    readonly versions: Map<string, string>,
  ) {
    this.store = new StoreBuilder(nixRoot);
  }

  dir(deb: string): string {
    const d = this.unpacked.get(deb);
    if (!d) throw new ImageBuildError(`${NIX_PACKAGES} does not list ${deb}`);
    return d;
  }

  addGlibc(): StoreItem {
    const src = join(this.dir('libc6'), 'lib/x86_64-linux-gnu');
    this.glibc = this.store.addContentAddressed(`glibc-${upstreamVersion(this.versions.get('libc6')!)}`, (out) => {
      mkdirSync(join(out, 'lib'), { recursive: true });
      for (const name of readdirSync(src)) {
        const st = lstatSync(join(src, name));
        if (st.isFile() || st.isSymbolicLink()) cpSync(join(src, name), join(out, 'lib', name), { verbatimSymlinks: true });
        if (/\.so(\.\d+)*$/.test(name)) this.glibcSonames.add(name);
      }
    });
    return this.glibc;
  }

  indexDebs(debs: string[]): void {
    for (const [k, v] of sonameIndex(
      this.unpacked,
      debs.filter((d) => d !== 'libc6'),
    ))
      if (!this.index.has(k)) this.index.set(k, v);
  }

  closure(roots: string[], internal = new Set<string>()): Closure {
    return elfClosure(roots, this.index, this.glibcSonames, internal, NIX_PACKAGES);
  }

  /**
   * The store path of one Debian library package: the sonames a closure took
   * from it (`libs`), its direct dependencies first. Content-addressed and
   * untouched when its libraries need nothing but libc; otherwise RUNPATH =
   * store glibc + the store paths of its direct dependencies.
   */
  libItem(deb: string, libs: Map<string, Set<string>>, stack: string[] = []): StoreItem {
    const sonames = libs.get(deb)!;
    const key = `${deb}:${[...sonames].sort().join(',')}`;
    const have = this.libItems.get(key);
    if (have) return have;
    if (stack.includes(deb)) throw new ImageBuildError(`library cycle: ${[...stack, deb].join(' -> ')}`);
    const files = [...sonames].sort().map((s) => ({ soname: s, file: this.index.get(s)!.file }));
    const direct = new Set(files.flatMap((f) => needed(f.file)));
    const depDebs = new Set<string>();
    for (const s of direct) {
      if (this.glibcSonames.has(s) || sonames.has(s)) continue;
      depDebs.add(this.index.get(s)!.deb);
    }
    const depItems = [...depDebs].sort().map((d) => this.libItem(d, libs, [...stack, deb]));
    const name = `${deb}-${upstreamVersion(this.versions.get(deb)!)}`;
    const copy = (out: string) => {
      mkdirSync(join(out, 'lib'), { recursive: true });
      for (const f of files) {
        copyFileSync(f.file, join(out, 'lib', f.soname));
        chmodSync(join(out, 'lib', f.soname), 0o644);
      }
    };
    const needsSibling = [...direct].some((s) => sonames.has(s));
    let item: StoreItem;
    if ([...direct].every((s) => ALWAYS_LOADED.has(s))) {
      item = this.store.addContentAddressed(name, copy);
    } else {
      // A library needing a sibling from the same package finds it through its own lib dir.
      const deps = [this.glibc.path, ...depItems.map((i) => i.path)].map((p) => `${p}/lib`);
      const inputs = `${deb}=${this.versions.get(deb)}|${key}|${deps.join(':')}|${needsSibling}|${PLANE_RECIPE}`;
      item = this.store.addInputAddressed(name, inputs, (out, self) => {
        copy(out);
        const runpath = [...(needsSibling ? [`${self}/lib`] : []), ...deps].join(':');
        for (const f of files) relocate(join(out, 'lib', f.soname), { runpath });
      });
    }
    this.libItems.set(key, item);
    return item;
  }

  /** Library items for everything `roots` need (outside glibc and `internal`). */
  libsFor(roots: string[], internal = new Set<string>()): StoreItem[] {
    const c = this.closure(roots, internal);
    return [...c.libs.keys()].sort().map((deb) => this.libItem(deb, c.libs));
  }

  addNix(): StoreItem {
    const root = this.dir('nix-bin');
    const libDir = join(root, 'usr/lib/nix');
    const ownLibs = readdirSync(libDir).filter((n) => n.endsWith('.so'));
    const elfs = [join(root, 'usr/bin/nix'), ...ownLibs.map((n) => join(libDir, n))];
    const deps = this.libsFor(elfs, new Set(ownLibs));
    const version = upstreamVersion(this.versions.get('nix-bin')!).replace(/^(\d+\.\d+\.\d+).*/, '$1');
    const depDirs = [this.glibc, ...deps].map((i) => `${i.path}/lib`);
    const inputs = `nix-bin=${this.versions.get('nix-bin')}|${depDirs.join(':')}|${PLANE_RECIPE}`;
    return this.store.addInputAddressed(`nix-${version}`, inputs, (out, self) => {
      const runpath = [`${self}/lib`, ...depDirs].join(':');
      mkdirSync(join(out, 'bin'), { recursive: true });
      mkdirSync(join(out, 'lib'), { recursive: true });
      mkdirSync(join(out, 'libexec/nix'), { recursive: true });
      copyFileSync(join(root, 'usr/bin/nix'), join(out, 'bin/nix'));
      relocate(join(out, 'bin/nix'), { interpreter: `${this.glibc.path}/lib/ld-linux-x86-64.so.2`, runpath });
      for (const name of readdirSync(join(root, 'usr/bin'))) {
        if (name !== 'nix' && lstatSync(join(root, 'usr/bin', name)).isSymbolicLink()) symlinkSync('nix', join(out, 'bin', name));
      }
      for (const n of ownLibs) {
        copyFileSync(join(libDir, n), join(out, 'lib', n));
        relocate(join(out, 'lib', n), { runpath });
      }
      symlinkSync('../../bin/nix', join(out, 'libexec/nix/build-remote'));
    });
  }

  addBusybox(): StoreItem {
    const bb = join(this.dir('busybox-static'), 'bin/busybox');
    const list = spawnSync(bb, ['--list'], { encoding: 'utf8' });
    if (list.status !== 0) throw new ImageBuildError(`cannot list busybox applets: ${list.stderr}`);
    return this.store.addContentAddressed(`busybox-${upstreamVersion(this.versions.get('busybox-static')!)}`, (out) => {
      mkdirSync(join(out, 'bin'), { recursive: true });
      copyFileSync(bb, join(out, 'bin/busybox'));
      chmodSync(join(out, 'bin/busybox'), 0o755);
      for (const applet of list.stdout.split('\n').filter(Boolean)) if (applet !== 'busybox') symlinkSync('busybox', join(out, 'bin', applet));
    });
  }

  /** Debian's tcc, unmodified (run through the store loader): bin/tcc, lib/tcc/{libtcc1.a,include}. */
  addTcc(): StoreItem {
    const root = this.dir('tcc');
    return this.store.addContentAddressed(`tcc-${upstreamVersion(this.versions.get('tcc')!).replace(/\+.*/, '')}-debian`, (out) => {
      mkdirSync(join(out, 'bin'), { recursive: true });
      copyFileSync(join(root, 'usr/bin/tcc'), join(out, 'bin/tcc'));
      chmodSync(join(out, 'bin/tcc'), 0o755);
      mkdirSync(join(out, 'lib/tcc'), { recursive: true });
      copyFileSync(join(root, 'usr/lib/x86_64-linux-gnu/tcc/libtcc1.a'), join(out, 'lib/tcc/libtcc1.a'));
      cpSync(join(root, 'usr/lib/x86_64-linux-gnu/tcc/include'), join(out, 'lib/tcc/include'), { recursive: true });
    });
  }

  /** What a C program needs to link against glibc: glibc's and Linux's headers, crt objects, libc_nonshared.a. */
  addLibcDev(): StoreItem {
    const dev = this.dir('libc6-dev');
    const linux = join(this.dir('linux-libc-dev'), 'usr/include');
    return this.store.addContentAddressed(`glibc-${upstreamVersion(this.versions.get('libc6-dev')!)}-dev`, (out) => {
      cpSync(join(dev, 'usr/include'), join(out, 'include'), { recursive: true, verbatimSymlinks: true });
      for (const d of ['linux', 'asm-generic', 'x86_64-linux-gnu/asm'])
        cpSync(join(linux, d), join(out, 'include', d), { recursive: true, verbatimSymlinks: true });
      mkdirSync(join(out, 'lib'));
      for (const f of ['crt1.o', 'crti.o', 'crtn.o', 'libc_nonshared.a']) copyFileSync(join(dev, 'usr/lib/x86_64-linux-gnu', f), join(out, 'lib', f));
    });
  }

  /** A content-addressed item holding unmodified files: [source, path inside the item, mode]. */
  addRaw(name: string, files: [string, string, number][]): StoreItem {
    return this.store.addContentAddressed(name, (out) => {
      for (const [src, rel, mode] of files) {
        mkdirSync(dirname(join(out, rel)), { recursive: true });
        copyFileSync(src, join(out, rel));
        chmodSync(join(out, rel), mode);
      }
    });
  }
}
