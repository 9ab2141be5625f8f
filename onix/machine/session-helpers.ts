// Helpers written once on top of the Machine core (machine.ts), for every driver and
// every caller: open a session on an agent connection as the drivers do, run one
// command in a session of its own, read the active moss state.
import type { AgentConnection, AgentSession } from './agent-client.ts';
import type { Machine, RunOptions, RunResult, SessionOptions } from './machine.ts';

/** A login shell on `conn` with the caller's user, cwd and environment: what every driver's session() opens. */
export function loginSession(conn: AgentConnection, options: SessionOptions, defaultTimeoutMs?: number): Promise<AgentSession> {
  return conn.open({ user: options.user, cwd: options.cwd, env: options.env, login: true }, defaultTimeoutMs);
}

/** Runs one command in a session of its own, closed afterwards. */
export async function runOnce(machine: Pick<Machine, 'session'>, command: string, options: RunOptions & SessionOptions = {}): Promise<RunResult> {
  const { user, cwd, env, ...run } = options;
  const s = await machine.session({ user, cwd, env });
  try {
    return await s.run(command, run);
  } finally {
    await s.close();
  }
}

/** The machine's active moss state (`/usr/.stateID`), or null when it has none. */
export async function activeFstx(machine: Pick<Machine, 'session'>): Promise<string | null> {
  const r = await runOnce(machine, 'cat /usr/.stateID 2>/dev/null', { timeoutMs: 30_000 });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}
