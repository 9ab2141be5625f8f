// onix status: the machine at a glance, five lines in the seed's shape:
//   active fstx: 3
//   boot entry:  onix-3.conf
//   nix daemon:  healthy
//   etc drift:   2 local overrides
//   opengl:      coherent, Mesa 25.0.7
// --verbose adds indented detail lines under a line (drifted files, bad links).

import { entryFor, mesaVersion, readMachine } from '../planes/machine.ts';
import { describeBridge, etcDrift, readBridge } from '../planes/seam.ts';
import { pingDaemonSocket } from '../planes/nix-daemon-socket.ts';
import { EXIT } from './errors.ts';
import { field, type CommandContext } from './context.ts';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function status(ctx: CommandContext): Promise<number> {
  const verbose = ctx.options.verbose === true;
  const daemonCheck = pingDaemonSocket(ctx.root);
  const machine = readMachine(ctx.root);
  const entry = entryFor(machine, machine.activeId);
  const drift = etcDrift(ctx.root);
  const bridge = readBridge(ctx.root, machine.activeId);
  const mesa = bridge.state === 'missing' ? null : mesaVersion(ctx.root, bridge.builtFor ?? machine.activeId);
  const daemon = await daemonCheck;

  if (ctx.json) {
    ctx.print(
      `${JSON.stringify(
        {
          root: ctx.root,
          activeFstx: machine.activeId,
          bootedFstx: machine.bootedId,
          bootEntry: entry?.file ?? null,
          loaderDefault: machine.loaderDefault,
          nixDaemon: { healthy: daemon.healthy, detail: daemon.detail },
          etcDrift: drift.map((d) => d.path),
          opengl: { state: bridge.state, mesa, builtFor: bridge.builtFor, links: bridge.links, bad: bridge.bad },
          states: machine.states.map((s) => ({
            ...s,
            active: s.id === machine.activeId,
            archived: machine.archivedIds.includes(s.id),
            bootEntry: entryFor(machine, s.id)?.file ?? null,
          })),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }

  const lines: string[] = [];
  const booted = machine.bootedId !== null && machine.bootedId !== machine.activeId ? ` (booted ${machine.bootedId}; reboot pending)` : '';
  lines.push(field('active fstx', `${machine.activeId}${booted}`));
  if (!entry) lines.push(field('boot entry', `none (no entry has moss.fstx=${machine.activeId})`));
  else if (machine.defaultEntry !== entry.file) lines.push(field('boot entry', `${entry.file} (not the default: ${machine.defaultEntry ?? 'none'})`));
  else lines.push(field('boot entry', entry.file));
  lines.push(field('nix daemon', daemon.healthy ? 'healthy' : `down (${daemon.detail})`));
  if (verbose) lines.push(`  ${daemon.detail}`);
  lines.push(field('etc drift', drift.length === 0 ? 'none' : plural(drift.length, 'local override', 'local overrides')));
  if (verbose) for (const d of drift) lines.push(`  ${d.path}`);
  lines.push(field('opengl', describeBridge(bridge, machine.activeId, mesa)));
  if (verbose) for (const b of bridge.bad) lines.push(`  ${b}`);
  ctx.print(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
