// The "base is musl" check (`onix doctor`'s musl base line) against roots made
// of real programs: a musl program (musl-gcc, dynamically linked against
// /lib/ld-musl-x86_64.so.1, as musl-gcc's specs say), a glibc program (gcc)
// and a static one. A glibc ELF in the base's bin outside a declared island,
// a glibc loader on musl's library path (musl ldso/dynlink.c: sys_path
// "/lib:/usr/local/lib:/usr/lib") or a non-musl base shell fails the check.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MANIFEST_PATH, parseManifest, type ImageManifest } from '../../onix/image/manifest.ts';
import { libcOfInterp, readElfInterp } from '../../onix/planes/elf-interp.ts';
import { muslBaseCheck } from '../../onix/planes/musl-base.ts';

let scratch: string;
const bins: Record<'musl' | 'glibc' | 'static', string> = { musl: '', glibc: '', static: '' };

before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'onix-musl-base-'));
  const src = join(scratch, 'hello.c');
  writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n');
  for (const [kind, cc, extra] of [
    ['musl', 'musl-gcc', []],
    ['glibc', 'gcc', []],
    ['static', 'musl-gcc', ['-static']],
  ] as const) {
    bins[kind] = join(scratch, `hello-${kind}`);
    execFileSync(cc, [...extra, '-O1', '-o', bins[kind], src]);
  }
});
after(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** A root with the moss root links and a musl shell; `files` maps root paths to programs (or link targets with "->"). */
function root(files: Record<string, string> = {}): string {
  const r = join(scratch, `root-${n++}`);
  for (const d of ['usr/bin', 'usr/lib']) mkdirSync(join(r, d), { recursive: true });
  symlinkSync('bin', join(r, 'usr/sbin'));
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['sbin', 'usr/sbin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib'],
  ])
    symlinkSync(target, join(r, link));
  copyFileSync(bins.musl, join(r, 'usr/bin/busybox'));
  symlinkSync('busybox', join(r, 'usr/bin/sh'));
  for (const [path, what] of Object.entries(files)) {
    mkdirSync(dirname(join(r, path)), { recursive: true });
    if (what.startsWith('->')) symlinkSync(what.slice(2), join(r, path));
    else copyFileSync(what, join(r, path));
  }
  return r;
}

function manifestWith(islands: ImageManifest['islands']): string {
  const m: ImageManifest = {
    schema: 2,
    base: {
      libc: 'musl',
      version: '1.2.3-1',
      loader: '/usr/lib/ld-musl-x86_64.so.1',
      interp: '/lib/ld-musl-x86_64.so.1',
      libraryPath: ['/lib', '/usr/local/lib', '/usr/lib'],
      toolchain: 'test',
    },
    stones: [
      {
        name: 'x',
        version: '1',
        release: 1,
        summary: 'x',
        sources: [{ kind: 'this-repository', package: 'x', version: '1' }],
        libc: 'glibc-island',
        island: islands[0]?.name,
        software: 'onix',
        states: [],
        notes: [],
      },
    ],
    islands,
    nix: null,
  };
  const file = join(scratch, `manifest-${n++}.json`);
  writeFileSync(file, JSON.stringify(m));
  return file;
}

describe('ELF program interpreters', () => {
  it('tells musl, glibc and static programs apart, and ignores what is not ELF', () => {
    assert.deepEqual(readElfInterp(bins.musl), { interp: '/lib/ld-musl-x86_64.so.1', libc: 'musl' });
    assert.equal(readElfInterp(bins.glibc)?.libc, 'glibc');
    assert.match(readElfInterp(bins.glibc)!.interp!, /^\/lib64\/ld-linux-x86-64\.so\.2$/);
    assert.deepEqual(readElfInterp(bins.static), { interp: null, libc: 'static' });
    const script = join(scratch, 'script');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    assert.equal(readElfInterp(script), undefined);
    assert.equal(readElfInterp(join(scratch, 'missing')), undefined);
    assert.equal(libcOfInterp('/usr/lib/onix/lib/ld-linux-x86-64.so.2'), 'glibc');
  });
});

describe('onix doctor: musl base', () => {
  it('passes on a base of musl programs, and counts them', () => {
    const c = muslBaseCheck(root({ 'usr/bin/dropbear': bins.musl, 'usr/bin/init': '->busybox', 'usr/bin/onix': bins.static }));
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /^2 program\(s\) in bin on musl \(\/lib\/ld-musl-x86_64\.so\.1\), 1 static; /);
  });

  it('fails on a glibc program in the base outside the islands, naming it', () => {
    const c = muslBaseCheck(root({ 'usr/bin/tool': bins.glibc }));
    assert.equal(c.ok, false);
    assert.match(c.detail, /\/usr\/bin\/tool \(\/lib64\/ld-linux-x86-64\.so\.2\)/);
    assert.ok(c.fix);
  });

  it('finds a glibc program reached through /sbin (a link into usr)', () => {
    const r = root();
    copyFileSync(bins.glibc, join(r, 'sbin/daemon'));
    const c = muslBaseCheck(r);
    assert.equal(c.ok, false);
    assert.match(c.detail, /\/usr\/bin\/daemon/);
  });

  it('accepts a glibc program that lies in an island the manifest declares, and only then', () => {
    const files = { 'usr/lib/onix/bin/node': bins.glibc, 'usr/bin/node': '->../lib/onix/bin/node' };
    assert.equal(muslBaseCheck(root(files)).ok, false, 'no manifest: no island');
    const island = { name: 'onix-runtime', prefix: '/usr/lib/onix', loader: '/usr/lib/onix/lib/ld-linux-x86-64.so.2', stones: ['x'], why: 'test' };
    const c = muslBaseCheck(root({ ...files, [MANIFEST_PATH]: manifestWith([island]) }));
    assert.equal(c.ok, true, c.detail);
    assert.match(c.detail, /islands: \/usr\/lib\/onix$/);
    const elsewhere = muslBaseCheck(root({ ...files, [MANIFEST_PATH]: manifestWith([{ ...island, prefix: '/usr/lib/other' }]) }));
    assert.equal(elsewhere.ok, false);
  });

  it('fails when a glibc loader sits on the library path or at /lib64', () => {
    for (const path of ['usr/lib/ld-linux-x86-64.so.2', 'usr/lib/libc.so.6', 'usr/local/lib/libc.so.6']) {
      const c = muslBaseCheck(root({ [path]: bins.glibc }));
      assert.equal(c.ok, false, path);
      assert.match(c.detail, /glibc on the base's library path: /);
    }
    // In the multiarch dir (the Mesa island) it is off musl's path.
    assert.equal(muslBaseCheck(root({ 'usr/lib/x86_64-linux-gnu/libc.so.6': bins.glibc })).ok, true);
  });

  it('fails when the base shell is not a musl program', () => {
    const r = root();
    rmSync(join(r, 'usr/bin/busybox'));
    copyFileSync(bins.static, join(r, 'usr/bin/busybox'));
    const c = muslBaseCheck(r);
    assert.equal(c.ok, false);
    assert.match(c.detail, /the base shell \/usr\/bin\/busybox is static, not a musl program/);
  });

  it('fails with one line on a manifest that is not one', () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, '{"schema": 2, "base": {}}');
    const c = muslBaseCheck(root({ [MANIFEST_PATH]: bad }));
    assert.equal(c.ok, false);
    assert.match(c.detail, /^\/usr\/share\/onix\/manifest\.json: image manifest: base\.libc is not "musl"$/);
  });
});

describe('image manifest parser', () => {
  it('rejects a stone that names an undeclared island', () => {
    const text = JSON.stringify({
      ...JSON.parse(
        JSON.stringify(
          parseManifest(
            JSON.stringify({
              schema: 2,
              base: {
                libc: 'musl',
                version: '1',
                loader: '/usr/lib/ld-musl-x86_64.so.1',
                interp: '/lib/ld-musl-x86_64.so.1',
                libraryPath: ['/lib'],
                toolchain: 't',
              },
              stones: [
                {
                  name: 'a',
                  version: '1',
                  release: 1,
                  summary: 'a',
                  sources: [{ kind: 'host', package: 'a', version: '1' }],
                  libc: 'musl',
                  software: 'upstream',
                  states: ['Install'],
                  notes: [],
                },
              ],
              islands: [],
            }),
          ),
        ),
      ),
      stones: [
        {
          name: 'n',
          version: '1',
          release: 1,
          summary: 'n',
          sources: [{ kind: 'host', package: 'n', version: '1' }],
          libc: 'glibc-island',
          island: 'nowhere',
          software: 'upstream',
          states: [],
          notes: [],
        },
      ],
    });
    assert.throws(() => parseManifest(text), /stones\[0\] \(n\) names island "nowhere", which is not declared/);
    assert.throws(() => parseManifest('{'), /image manifest: not JSON/);
  });
});
