// Reading moss's state history: rows of db/state, their selections, the active id.
import { existsSync, readFileSync } from 'node:fs';
import type { MossDb } from './db.ts';
import { MossError } from './errors.ts';
import type { MossPaths } from './paths.ts';
import type { StateRow } from './schema.ts';

export interface Selection {
  packageId: string;
  explicit: boolean;
  reason: string | null;
}

export interface MossState extends StateRow {
  selections: Selection[];
}

/** The id in a tree's .stateID (e.g. /usr/.stateID), or undefined. */
export function readStateId(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isFinite(n) ? n : undefined;
}

export function activeStateId(p: MossPaths): number | undefined {
  return readStateId(p.stateId);
}

/** The booted state, from /proc/cmdline's moss.fstx= (only meaningful for the live root "/"). */
export function bootedStateId(root: string): number | undefined {
  if (root !== '/' || !existsSync('/proc/cmdline')) return undefined;
  const m = /(?:^|\s)moss\.fstx=(\d+)/.exec(readFileSync('/proc/cmdline', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

export function getState(db: MossDb, id: number): MossState | undefined {
  const row = db.state.prepare('SELECT id, type, created, summary, description FROM state WHERE id = ?').get(id) as StateRow | undefined;
  if (!row) return undefined;
  const selections = (
    db.state.prepare('SELECT package_id, explicit, reason FROM state_selections WHERE state_id = ? ORDER BY package_id').all(id) as {
      package_id: string;
      explicit: number;
      reason: string | null;
    }[]
  ).map((r) => ({ packageId: r.package_id, explicit: !!r.explicit, reason: r.reason }));
  return { ...row, selections };
}

export function requireState(db: MossDb, id: number): MossState {
  const s = getState(db, id);
  if (!s) throw new MossError(`no such state: ${id}`);
  return s;
}

/** All states, oldest first. */
export function listStates(db: MossDb): MossState[] {
  const ids = db.state.prepare('SELECT id FROM state ORDER BY created, id').all() as { id: number }[];
  return ids.map((r) => getState(db, r.id)!);
}

/**
 * moss's date format (cli/state.rs `print_state`): local time, "%Y-%m-%d %H:%M:%S %Z",
 * where chrono's %Z on a local time prints the UTC offset ("+00:00").
 */
export function formatCreated(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** The block `moss state list` prints per state: Description only when set, then a blank line. */
export function formatState(s: MossState): string {
  return [
    `State #${s.id} - ${s.summary ?? 'system transaction'}`,
    `Created: ${formatCreated(s.created)}`,
    ...(s.description != null ? [`Description: ${s.description}`] : []),
    `Packages: ${s.selections.length}`,
    '',
    '',
  ].join('\n');
}
