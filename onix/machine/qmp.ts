// A small QMP client (QEMU Machine Protocol: JSON objects over a unix socket).
// Greeting, then `qmp_capabilities`, then one command at a time; events are
// ignored except that the client remembers the reason of the last SHUTDOWN
// ("guest-reset" for a reboot under -no-reboot, "guest-shutdown" for a poweroff).
import { connect, type Socket } from 'node:net';

export class QmpClient {
  private buf = '';
  private waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private greeted!: () => void;
  private closed = false;
  /** The reason of the last SHUTDOWN event, e.g. "guest-reset"; null before any. */
  lastShutdown: string | null = null;

  private constructor(private readonly sock: Socket) {}

  static async connect(path: string): Promise<QmpClient> {
    const sock = connect(path);
    const c = new QmpClient(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      c.greeted = resolve;
      sock.on('data', (b) => c.onData(b));
    });
    sock.on('error', () => c.fail());
    sock.on('close', () => c.fail());
    await c.execute('qmp_capabilities');
    return c;
  }

  private onData(b: Buffer): void {
    this.buf += b.toString('utf8');
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ('QMP' in msg) this.greeted();
      else if (msg.event === 'SHUTDOWN') this.lastShutdown = String((msg.data as { reason?: string } | undefined)?.reason ?? 'unknown');
      else if ('return' in msg) this.waiting.shift()?.resolve(msg.return);
      else if ('error' in msg) {
        const e = msg.error as { desc?: string };
        this.waiting.shift()?.reject(new Error(e.desc ?? 'QMP error'));
      }
    }
  }

  private fail(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('QMP connection closed'));
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.sock.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** Runs a human monitor command (savevm, loadvm...) and returns its text output. */
  async hmp(commandLine: string): Promise<string> {
    return String(await this.execute('human-monitor-command', { 'command-line': commandLine }));
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }
}
