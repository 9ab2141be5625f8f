// The Nix daemon's health from its socket, without the nix binary or a child process: this is
// all of the toolbox plane that `onix status` loads (toolbox.ts runs nix; starting that
// machinery, node:child_process, cost status a few ms of its 100).
//
// `nix store ping` opens a connection to the daemon and completes the worker
// protocol handshake. `pingDaemonSocket` does exactly that handshake itself
// (Nix's worker-protocol.hh, daemon.cc): client sends WORKER_MAGIC_1 and,
// after the server's WORKER_MAGIC_2 + protocol version, its own version, the
// obsolete CPU-affinity (0) and reserve-space (0) words; the server may send
// its Nix version string (minor >= 33) and then log messages ending in
// STDERR_LAST. All integers are little-endian u64; strings are a u64 length
// followed by the bytes padded to 8. It is what `onix status` uses, since
// starting the nix binary alone costs more than status's whole time budget;
// `onix doctor` also runs the real `nix store ping`.

import { createConnection } from 'node:net';
import { hostPath } from './root-path.ts';

export const DAEMON_SOCKET = '/nix/var/nix/daemon-socket/socket';

const WORKER_MAGIC_1 = 0x6e697863n;
const WORKER_MAGIC_2 = 0x6478696fn;
const CLIENT_VERSION = (1n << 8n) | 34n;
const STDERR_LAST = 0x616c7473n;
const STDERR_ERROR = 0x63787470n;
const STDERR_NEXT = 0x6f6c6d67n;

/** Result of a daemon check. */
export interface DaemonHealth {
  healthy: boolean;
  /** Protocol `1.N` and, when the daemon sends it, its Nix version. */
  detail: string;
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

/** Connects to the root's daemon socket and completes the worker-protocol handshake. */
/** The timeout is generous: a healthy daemon forks a worker per connection, which takes seconds on a busy emulated (TCG) machine. */
export function pingDaemonSocket(root: string, timeoutMs = 15_000): Promise<DaemonHealth> {
  const path = hostPath(root, DAEMON_SOCKET);
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let stage: 'magic' | 'version' | 'messages' = 'magic';
    let minor = 0;
    let nixVersion = '';
    let settled = false;
    const socket = createConnection({ path });
    const finish = (health: DaemonHealth): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(health);
    };
    const timer = setTimeout(() => finish({ healthy: false, detail: `no answer on ${DAEMON_SOCKET} within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.write(u64(WORKER_MAGIC_1)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? 'no socket' : error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message);
      finish({ healthy: false, detail: `${DAEMON_SOCKET}: ${why}` });
    });
    socket.on('close', () => finish({ healthy: false, detail: `daemon closed the connection during the handshake` }));
    const readString = (at: number): { value: string; end: number } | null => {
      if (buffer.length < at + 8) return null;
      const len = Number(buffer.readBigUInt64LE(at));
      const end = at + 8 + Math.ceil(len / 8) * 8;
      if (buffer.length < end) return null;
      return { value: buffer.subarray(at + 8, at + 8 + len).toString('utf8'), end };
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (stage === 'magic') {
          if (buffer.length < 16) return;
          if (buffer.readBigUInt64LE(0) !== WORKER_MAGIC_2) return finish({ healthy: false, detail: 'not a Nix daemon (bad magic)' });
          const version = buffer.readBigUInt64LE(8);
          minor = Number(version & 0xffn);
          buffer = buffer.subarray(16);
          socket.write(Buffer.concat([u64(CLIENT_VERSION), ...(minor >= 14 ? [u64(0n)] : []), ...(minor >= 11 ? [u64(0n)] : [])]));
          stage = minor >= 33 ? 'version' : 'messages';
          continue;
        }
        if (stage === 'version') {
          const s = readString(0);
          if (!s) return;
          nixVersion = s.value;
          buffer = buffer.subarray(s.end);
          stage = 'messages';
          continue;
        }
        if (buffer.length < 8) return;
        const msg = buffer.readBigUInt64LE(0);
        if (msg === STDERR_LAST) return finish({ healthy: true, detail: `protocol 1.${minor}${nixVersion ? `, Nix ${nixVersion}` : ''}` });
        if (msg === STDERR_NEXT) {
          const s = readString(8);
          if (!s) return;
          buffer = buffer.subarray(s.end);
          continue;
        }
        if (msg === STDERR_ERROR) return finish({ healthy: false, detail: 'daemon refused the connection' });
        return finish({ healthy: false, detail: `unexpected daemon message 0x${msg.toString(16)}` });
      }
    });
  });
}
