// A scratch moss root with a local repository of small stones, for tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initRoot, installStones, StoneRepository, type StoneMeta, type Stone } from '../../onix/moss/index.ts';

export interface ScratchRoot {
  root: string;
  repo: StoneRepository;
  dispose(): void;
}

/** Writes files (path -> content; content starting with "->" makes a symlink) under a fresh dir. */
export function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'moss-tree-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), full);
    else writeFileSync(full, content, { mode: path.includes('bin/') ? 0o755 : 0o644 });
  }
  return dir;
}

export function addStone(repo: StoneRepository, meta: Partial<StoneMeta> & { name: string }, files: Record<string, string>): Stone {
  const dir = tree(files);
  try {
    return repo.addFromTree({ version: '1', release: 1, summary: meta.name, ...meta }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A root whose repository has base (with a kernel), mesa 22 (release 1) and mesa 25 (release 2), and hello. */
export function scratchRoot(): ScratchRoot {
  const root = mkdtempSync(join(tmpdir(), 'moss-root-'));
  initRoot(root);
  const repo = StoneRepository.open(join(root, '.moss/repo/local'), true);
  return { root, repo, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export function baseStones(repo: StoneRepository) {
  const base = addStone(
    repo,
    { name: 'base' },
    {
      'bin/sh': '#!/bin/sh\necho base\n',
      'lib/os-release': 'NAME=ONIX\nID=onix\n',
      'lib/kernel/6.1.0-test/vmlinuz': 'kernel',
      'lib/kernel/6.1.0-test/10-onix.initrd': 'initrd',
      'lib/kernel/6.1.0-test/config': 'CONFIG_X=y',
      'lib/systemd/boot/efi/systemd-bootx64.efi': 'MZ systemd-boot',
      lib64: '->lib',
    },
  );
  const mesa22 = addStone(
    repo,
    { name: 'mesa', version: '22.3.6', release: 1 },
    {
      'lib/libGL.so.1': 'mesa 22.3.6',
      'lib/libLLVM-15.so.1': 'llvm 15 (shared by both mesas)',
    },
  );
  const mesa25 = addStone(
    repo,
    { name: 'mesa', version: '25.0.7', release: 2 },
    {
      'lib/libGL.so.1': 'mesa 25.0.7',
      'lib/libLLVM-15.so.1': 'llvm 15 (shared by both mesas)',
    },
  );
  const hello = addStone(repo, { name: 'hello', dependencies: ['libhello'] }, { 'bin/hello': '#!/bin/sh\necho hello\n' });
  const libhello = addStone(repo, { name: 'libhello' }, { 'lib/libhello.so': 'libhello' });
  return { base, mesa22, mesa25, hello, libhello };
}

/** States 1..n: each a fresh install of base + mesa22 (created one second apart). */
export function withStates(s: ScratchRoot, n: number): number[] {
  const { base, mesa22 } = baseStones(s.repo);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(installStones(s.root, s.repo, [base, mesa22], { summary: 'Install', created: 1_700_000_000 + i }));
  return ids;
}
