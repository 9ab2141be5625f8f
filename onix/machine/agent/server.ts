// Dispatches protocol requests (see protocol.ts) to sessions and files. Never
// throws into the transport: every failure becomes an `ok:false` reply.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PROTOCOL_VERSION, type Reply, type Request } from './protocol.ts';
import { ShellSession } from './shell-session.ts';

export type Send = (frame: object) => void;

export class AgentServer {
  private readonly sessions = new Map<string, ShellSession>();
  private next = 0;

  constructor(private readonly send: Send) {}

  ready(): void {
    this.send({ t: 'ready', v: PROTOCOL_VERSION, pid: process.pid });
  }

  goingDown(): void {
    this.send({ t: 'going-down' });
  }

  handle(frame: Record<string, unknown>): void {
    const id = frame.id;
    if (typeof id !== 'number' || typeof frame.op !== 'string') return;
    this.dispatch(frame as unknown as Request).then(
      (body) => this.send({ id, ok: true, ...body }),
      (err: unknown) => this.send({ id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  }

  private session(id: string): ShellSession {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`no such session: ${id}`);
    return s;
  }

  private async dispatch(req: Request): Promise<Record<string, unknown>> {
    switch (req.op) {
      case 'ping':
        return { nonce: req.nonce };
      case 'open': {
        const s = await ShellSession.open(req);
        const id = `s${++this.next}`;
        this.sessions.set(id, s);
        return { session: id };
      }
      case 'run': {
        const s = this.session(req.session);
        const r = await s.run(req.command, req.timeoutMs, req.stdin === undefined ? undefined : Buffer.from(req.stdin, 'base64'), req.merge === true);
        if (!r.alive) this.sessions.delete(req.session);
        return {
          stdout: r.stdout.toString('base64'),
          stderr: r.stderr.toString('base64'),
          status: r.status,
          timedOut: r.timedOut,
          alive: r.alive,
        };
      }
      case 'signal':
        this.session(req.session).signal(req.signal as NodeJS.Signals);
        return {};
      case 'close': {
        const s = this.sessions.get(req.session);
        this.sessions.delete(req.session);
        await s?.close();
        return {};
      }
      case 'read':
        return readChunk(req.path, req.offset, req.length);
      case 'sync':
        await new Promise<void>((resolve) => {
          const p = spawn('sync', [], { stdio: 'ignore' });
          p.on('exit', () => resolve());
          p.on('error', () => resolve());
        });
        return {};
      default:
        throw new Error(`unknown op: ${(req as { op: string }).op}`);
    }
  }

  /** Ends every session (transport closed or agent exiting). */
  killAll(): void {
    for (const s of this.sessions.values()) s.kill();
    this.sessions.clear();
  }
}

function readChunk(path: string, offset: number, length: number): Record<string, unknown> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const want = Math.max(0, Math.min(length, size - offset));
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return { data: buf.subarray(0, got).toString('base64'), size, eof: offset + got >= size };
  } finally {
    closeSync(fd);
  }
}
