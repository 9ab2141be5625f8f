// The "Test machine" page (/test-machine/), generated from the image's manifest (the type in
// onix/image/manifest.ts, written by the image builder beside the image) and the report's
// machine, never written by hand: the base libc, every stone with its version, C library and
// sources (Debian packages at their exact versions, this repository, the build host), which
// stones are the real upstream software and which are stand-ins and why, the glibc islands, how
// the machine differs from a real ONIX machine, and how to run the same spec against one.
// Pure: manifest and report in, hast out.

import type { Element, ElementContent } from 'hast';
import { h } from 'hastscript';
import type { ImageManifest, Libc, ManifestSource, ManifestStone, Software, SourceKind } from '../../../onix/image/manifest.ts';
import type { SpecReport } from '../../spec/report-types.ts';
import { RUN_PAGE_URL } from '../model/proof-urls.ts';

const LIBC_WORDS: Record<Libc, string> = { musl: 'musl', 'glibc-island': 'glibc (island)', static: 'static', none: 'none' };
const SOFTWARE_WORDS: Record<Software, string> = { upstream: 'upstream', 'stand-in': 'stand-in', onix: 'ONIX' };
const SOURCE_WORDS: Record<SourceKind, string> = {
  'debian-source': 'built here from the Debian source package',
  'debian-binary': 'Debian package',
  'this-repository': 'this repository',
  host: 'the build host',
};

/**
 * How the VM target starts the image, where a real ONIX machine differs; facts of the QEMU driver
 * (onix/machine/qemu.ts) and the image's inittab (onix/image/files/inittab), not of the stones.
 */
const VM_BOOT = {
  bootloader:
    'there is none: QEMU boots the kernel, initrd and options of the default BLS entry (/boot/loader/entries) directly, read from the machine before every boot, where a real ONIX machine runs systemd-boot on the same entries',
  init: 'busybox init runs the ONIX sysinit script, the seam and nix-daemon from /etc/inittab; a real ONIX machine boots with its own init system',
};

const TOC = [
  { id: 'at-a-glance', text: 'At a glance', depth: 2 },
  { id: 'real-and-stand-in', text: 'Real software and stand-ins', depth: 2 },
  { id: 'differences', text: 'How it differs from a real ONIX machine', depth: 2 },
  { id: 'real-machine', text: 'The same spec on a real machine', depth: 2 },
  { id: 'stones', text: 'Every stone', depth: 2 },
  { id: 'sources', text: 'Every package and source', depth: 2 },
];

export function renderMachinePage(manifest: ImageManifest | null, report: SpecReport | null): { description: string; body: ElementContent[]; toc: typeof TOC } {
  const imageId = report?.machine.imageId ?? null;
  if (!manifest) {
    const why = imageId
      ? `The last spec run used image ${imageId}, and this build found no manifest for it (an image built before the image builder wrote manifests).`
      : 'This build has no spec report naming an image, so there is no manifest to describe the machine.';
    return { description: 'The ONIX test machine: no manifest available to this build.', toc: [], body: [h('p', why), ...realMachine()] };
  }
  const named = (name: string) => manifest.stones.filter((s) => s.name === name);
  const hostSource = (pkg: string) => manifest.stones.flatMap((s) => s.sources).find((src) => src.kind === 'host' && src.package === pkg);
  const node = hostSource('node');
  const glance: Array<[string, string]> = [
    ...(imageId ? [['Image', imageId] as [string, string]] : []),
    ['Base C library', `musl ${manifest.base.version} (${manifest.base.loader})`],
    ...named('linux').map((s): [string, string] => ['Kernel', `Linux ${s.version}`]),
    ...named('busybox').map((s): [string, string] => ['BusyBox', `${s.version} (${LIBC_WORDS[s.libc]})`]),
    ...named('mesa').map((s): [string, string] => [`Mesa (state ${s.states.join(', ') || 'none'})`, s.version]),
    ...(manifest.nix ? [['Nix (the /nix plane)', `${manifest.nix.version} (${manifest.nix.storePath})`] as [string, string]] : []),
    ...(node ? [['Node.js (runs onix and the moss stand-in)', node.version] as [string, string]] : []),
    ['Toolchain of the source builds', manifest.base.toolchain],
  ];
  const standIns = manifest.stones.filter((s) => s.software === 'stand-in');
  const upstream = manifest.stones.filter((s) => s.software === 'upstream');
  const mismatch =
    imageId && report?.machine.target !== 'vm' ? [h('p', `Note: the last spec run ran on target ${report?.machine.target}, not on this VM.`)] : [];
  const body: ElementContent[] = [
    h('p', [
      'The spec on this site runs on this machine: a QEMU VM booted from an image built in this repository from Debian packages, arranged as moss stones and installed into moss states. ',
      "This page is generated from the image's manifest; ",
      h('a', { href: RUN_PAGE_URL }, 'the run page'),
      ' shows what ran on it.',
    ]),
    ...mismatch,
    h('h2', { id: 'at-a-glance' }, 'At a glance'),
    h(
      'dl.run-facts',
      glance.flatMap(([k, v]) => [h('dt', k), h('dd', h('code', v))]),
    ),
    h('h2', { id: 'real-and-stand-in' }, 'Real software and stand-ins'),
    h('p', `Upstream software: ${upstream.map((s) => `${s.name} ${s.version}`).join(', ')}.`),
    ...standIns.map((s) =>
      h('div.stand-in', [
        h('p', h('strong', `${s.name} ${s.version} is a stand-in.`)),
        h(
          'ul',
          s.notes.map((n) => h('li', n)),
        ),
      ]),
    ),
    h('h2', { id: 'differences' }, 'How it differs from a real ONIX machine'),
    h('ul', [
      h('li', [
        h('strong', 'Packages. '),
        'Every stone is made from Debian packages (binary, or built here from the source package), not by boulder from ONIX recipes.',
      ]),
      h('li', [
        h('strong', 'C library. '),
        `The base is musl ${manifest.base.version}, as on ONIX; what cannot be musl here stays glibc, in the declared islands below.`,
      ]),
      ...standIns.map((s) => h('li', [h('strong', 'moss. '), `${s.notes[0] ?? `${s.name} is a stand-in`}.`])),
      h('li', [h('strong', 'Init. '), `${VM_BOOT.init}.`]),
      h('li', [h('strong', 'Bootloader. '), `${VM_BOOT.bootloader}.`]),
    ]),
    ...manifest.islands.map((i) =>
      h('div.island', [
        h('p', [
          h('strong', `glibc island ${i.name}`),
          ` under `,
          h('code', i.prefix),
          `, ${i.loader ? `loader ${i.loader}` : 'libraries only (no loader of its own)'}; stones: ${i.stones.join(', ')}.`,
        ]),
        h('p', `Why: ${i.why}`),
      ]),
    ),
    ...realMachine(),
    h('h2', { id: 'stones' }, 'Every stone'),
    h('div.table-scroll', { tabIndex: 0, role: 'region', ariaLabel: 'Table: stones of the image' }, [
      h('table.stones', [
        h('thead', [h('tr', [h('th', 'Stone'), h('th', 'Version'), h('th', 'Kind'), h('th', 'libc'), h('th', 'States')])]),
        h(
          'tbody',
          manifest.stones.map((s) =>
            h('tr', [
              h('td', [h('code', s.name), h('br'), h('small', s.summary)]),
              h('td', h('code', s.version)),
              h('td', SOFTWARE_WORDS[s.software]),
              h('td', s.island ? `${LIBC_WORDS[s.libc]}: ${s.island}` : LIBC_WORDS[s.libc]),
              h('td', s.states.length ? s.states.join(', ') : 'repository only'),
            ]),
          ),
        ),
      ]),
    ]),
    h('h2', { id: 'sources' }, 'Every package and source'),
    h('p', "Where each stone's files come from, at exactly these versions, and what was changed from Debian's build."),
    ...manifest.stones.map(stoneSources),
  ];
  const mesa = named('mesa')
    .map((s) => `Mesa ${s.version}`)
    .join(' and ');
  const description = `The ONIX test machine: musl ${manifest.base.version}${named('linux')
    .map((s) => `, Linux ${s.version}`)
    .join(
      '',
    )}${mesa ? `, ${mesa}` : ''}; ${standIns.length} stand-in${standIns.length === 1 ? '' : 's'}, ${manifest.islands.length} glibc island${manifest.islands.length === 1 ? '' : 's'}.`;
  return { description, body, toc: TOC };
}

function stoneSources(s: ManifestStone): Element {
  return h('details.package-list', [
    h('summary', `${s.name} ${s.version}: ${s.sources.length} source${s.sources.length === 1 ? '' : 's'}`),
    h(
      'ul',
      s.sources.map((src: ManifestSource) => h('li', [h('code', src.package), ` ${src.version} (${SOURCE_WORDS[src.kind]})`])),
    ),
    ...(s.notes.length
      ? [
          h(
            'ul.notes',
            s.notes.map((n) => h('li', n)),
          ),
        ]
      : []),
  ]);
}

function realMachine(): ElementContent[] {
  return [
    h('h2', { id: 'real-machine' }, 'The same spec on a real machine'),
    h(
      'p',
      "The spec is not tied to this VM: the onix command reads moss's and Nix's state from disk and changes it only by running moss and nix, so the same pages run against a real ONIX machine over SSH:",
    ),
    h('pre.code', { tabIndex: 0 }, [h('code', 'npm run spec -- --target ssh://root@my-onix-box')]),
    h(
      'p',
      'Extra ssh arguments (a key, a port) come from $ONIX_SSH_OPTIONS. Reboots and boot entries are checked there as here; a real machine has no snapshot to start each case from, and cases that hard-reset the machine (crash) are skipped (onix/machine/ssh.ts).',
    ),
  ];
}
