#!/usr/bin/env node
// onix-agent: the guest side of the ONIX test machine's control channel.
//
//   onix-agent                 speak the protocol on stdin/stdout (local, sandbox, ssh)
//   onix-agent --virtio NAME   speak it on the virtio-serial port named NAME (the VM:
//                              /sys/class/virtio-ports/*/name -> /dev/vportNpM)
//
// The protocol itself is documented in protocol.ts. Node built-ins only, so it
// bundles with esbuild into one file the image carries.
import { closeSync, existsSync, mkdirSync, openSync, read, readdirSync, readFileSync, write, writeFileSync } from 'node:fs';
import { encodeFrame, FrameReader } from './protocol.ts';
import { AgentServer } from './server.ts';

function log(message: string): void {
  process.stderr.write(`onix-agent: ${message}\n`);
}

function serveStdio(): void {
  const server = new AgentServer((frame) => {
    process.stdout.write(encodeFrame(frame));
  });
  const reader = new FrameReader((f) => server.handle(f));
  process.stdin.on('data', (b: Buffer) => reader.push(b));
  process.stdin.on('end', () => {
    server.killAll();
    process.exit(0);
  });
  process.stdout.on('error', () => {
    server.killAll();
    process.exit(0);
  });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      server.killAll();
      process.exit(0);
    });
  }
  server.ready();
}

/** /dev/vportNpM of the virtio-serial port called `name`, or null if there is none (yet). */
export function findVirtioPort(name: string, sysDir = '/sys/class/virtio-ports'): string | null {
  if (!existsSync(sysDir)) return null;
  for (const port of readdirSync(sysDir)) {
    try {
      if (readFileSync(`${sysDir}/${port}/name`, 'utf8').trim() === name) return `/dev/${port}`;
    } catch {
      // port without a name
    }
  }
  return null;
}

/** Writes a boot phase to the kernel log, beside the boot scripts' own (the host's boot profile reads them). */
function markBoot(phase: string): void {
  try {
    writeFileSync('/dev/kmsg', `onix-boot: ${phase}\n`);
  } catch {
    // no kernel log to write to: no profile
  }
}

function serveVirtio(name: string): void {
  markBoot('agent-start');
  // Writes go through one queue so frames never interleave; a failed write (host
  // not connected) is dropped: the host resyncs with `ping` when it connects.
  let fd = -1;
  let writing: Promise<void> = Promise.resolve();
  const server = new AgentServer((frame) => {
    const data = Buffer.from(encodeFrame(frame));
    writing = writing.then(
      () =>
        new Promise<void>((resolve) => {
          if (fd < 0) return resolve();
          const put = (off: number): void =>
            write(fd, data, off, data.length - off, null, (err, n) => {
              if (err || off + n >= data.length) resolve();
              else put(off + n);
            });
          put(0);
        }),
    );
  });
  const reader = new FrameReader((f) => server.handle(f));
  let marked = false;
  // The shutdown script asks us (by this pid file) to tell the host before processes are stopped.
  process.on('SIGUSR2', () => server.goingDown());
  try {
    mkdirSync('/run/onix', { recursive: true });
    writeFileSync('/run/onix/agent.pid', `${process.pid}\n`);
  } catch (err) {
    log(`cannot write /run/onix/agent.pid: ${(err as Error).message}`);
  }

  // Reads go straight to fs.read (not a ReadStream, which ends at the first
  // zero-length read): a virtio port reads 0 bytes while the host side is not
  // connected, e.g. for a moment around a VM's loadvm. Then it polls with a short
  // backoff on the same fd instead of reopening, so the channel is back at once.
  const buf = Buffer.alloc(1 << 20);
  const open = (): void => {
    const dev = findVirtioPort(name);
    if (!dev) {
      setTimeout(open, 200);
      return;
    }
    try {
      fd = openSync(dev, 'r+');
    } catch (err) {
      log(`cannot open ${dev}: ${(err as Error).message}`);
      setTimeout(open, 500);
      return;
    }
    const myFd = fd;
    let idle = 0;
    const next = (): void =>
      read(myFd, buf, 0, buf.length, null, (err, n) => {
        if (err) {
          log(`reading the port failed: ${err.message}`);
          writing.then(() => {
            if (fd === myFd) fd = -1;
            try {
              closeSync(myFd);
            } catch {
              // already closed
            }
            setTimeout(open, 500);
          });
          return;
        }
        if (n === 0) {
          idle = Math.min(idle ? idle * 2 : 5, 200);
          setTimeout(next, idle);
          return;
        }
        idle = 0;
        reader.push(Buffer.from(buf.subarray(0, n)));
        next();
      });
    server.ready();
    if (!marked) markBoot('agent-ready');
    marked = true;
    next();
  };
  open();
}

const args = process.argv.slice(2);
if (args[0] === '--virtio') {
  if (!args[1]) {
    log('usage: onix-agent [--virtio PORT-NAME]');
    process.exit(2);
  }
  serveVirtio(args[1]);
} else if (args.length === 0) {
  serveStdio();
} else {
  log('usage: onix-agent [--virtio PORT-NAME]');
  process.exit(2);
}
