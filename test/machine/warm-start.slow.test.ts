// A VM's first boot starts from the state an earlier cold boot of the same image and command
// line saved (onix/machine/booted-snapshot.ts): the same guest (one boot id), its clock set to
// the host's, a new saved state for another command line, and a cold boot when the saved state
// cannot be loaded. Guest memory sizes no other test uses keep these saved states their own.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testImage } from '../../onix/image/provider.ts';
import { QemuMachine } from '../../onix/machine/qemu.ts';

async function started(memoryMiB: number, warmStart = true): Promise<{ lines: string[]; bootId: string; clockSkew: number }> {
  const lines: string[] = [];
  const m = new QemuMachine({ image: testImage, memoryMiB, warmStart, onProgress: (l) => lines.push(l) });
  try {
    await m.boot();
    const s = await m.session();
    const r = await s.run('cat /proc/sys/kernel/random/boot_id; date -u +%s');
    const [bootId = '', secs = '0'] = r.stdout.trim().split('\n');
    return { lines, bootId, clockSkew: Math.abs(Number(secs) - Date.now() / 1000) };
  } finally {
    await m.shutdown();
  }
}

/** The saved state a machine started from or saved, from its progress lines. */
const savedState = (lines: string[]): string | null => lines.map((l) => /\((\/[^)]*\.booted-[0-9a-f]{16})\)$/.exec(l)?.[1]).find(Boolean) ?? null;
/** Whether the machine started from a saved state (and did not fall back to a cold boot). */
const fromSaved = (lines: string[]): boolean => lines.some((l) => l.includes('from its booted state')) && !lines.some((l) => l.startsWith('cannot start'));

test('a second machine starts from the state the first one booted into, with the clock set to now', { timeout: 900_000 }, async () => {
  const cold = await started(576, false);
  assert.equal(fromSaved(cold.lines), false, 'warmStart: false boots');
  assert.equal(savedState(cold.lines), null, 'and saves nothing');
  const first = await started(576);
  // The saved state's clock stood still meanwhile: a guest not set to the host's would be behind.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  const second = await started(576);
  assert.equal(fromSaved(second.lines), true, second.lines.join('\n'));
  assert.equal(savedState(second.lines), savedState(first.lines), 'the state the first one saved or started from');
  // Whether the first machine saved the state or started from it, the second resumes that boot.
  assert.equal(first.bootId, second.bootId, 'one saved boot');
  assert.notEqual(cold.bootId, second.bootId, 'a cold boot is a boot of its own');
  assert.ok(second.clockSkew < 2.5, `the guest's clock is ${second.clockSkew} s off the host's`);
});

test('another command line has a state of its own; one QEMU cannot load is dropped for a cold boot that saves it again', { timeout: 900_000 }, async () => {
  const other = await started(608);
  const mine = savedState(other.lines);
  assert.ok(mine, other.lines.join('\n'));
  assert.notEqual(mine, savedState((await started(576)).lines));
  writeFileSync(join(mine, 'disk.qcow2'), 'not a qcow2 image');
  const damaged = await started(608);
  assert.ok(
    damaged.lines.some((l) => l.startsWith('cannot start from the saved booted state') && l.endsWith('booting cold')),
    damaged.lines.join('\n'),
  );
  assert.ok(
    damaged.lines.some((l) => l.startsWith('saved the booted state')),
    damaged.lines.join('\n'),
  );
  const again = await started(608);
  assert.equal(fromSaved(again.lines), true, again.lines.join('\n'));
  assert.ok(again.clockSkew < 2.5);
});
