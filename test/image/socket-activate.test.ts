// The seam's socket-activate, compiled from its C source and run on the host: it listens on the
// socket before the command runs, runs the command only when a client connects, and hands it
// the socket the way nix-daemon's daemonLoop() takes one from systemd (NixOS/nix
// src/nix/daemon.cc: LISTEN_FDS must be "1", LISTEN_PID the daemon's own pid, the socket fd 3).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileStatic } from '../../onix/moss/helpers.ts';
import { SOCKET_ACTIVATE_SOURCE } from '../../onix/image/recipes/seam.ts';

const dir = mkdtempSync(join(tmpdir(), 'onix-socket-activate-'));
const binary = join(dir, 'socket-activate');
assert.ok(compileStatic(SOCKET_ACTIVATE_SOURCE, binary), 'compiles with musl-gcc or gcc -static');

// A stand-in daemon: accepts on fd 3, answers with what it was given, then exits.
const daemon = join(dir, 'daemon.cjs');
writeFileSync(
  daemon,
  `const server = require('node:net').createServer((c) => { c.end(JSON.stringify({ pid: process.pid, fds: process.env.LISTEN_FDS, listenPid: process.env.LISTEN_PID, argv: process.argv.slice(2) })); server.close(); });
server.listen({ fd: 3 });`,
);

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(ok());
};

function ask(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ path });
    let out = '';
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

describe('socket-activate (the seam: nix-daemon on its first client)', () => {
  it('listens first, runs the command on the first client, with LISTEN_FDS=1, LISTEN_PID=its own pid and the socket on fd 3', async () => {
    const socket = join(dir, 'daemon.sock');
    writeFileSync(socket, 'a stale socket from the last boot');
    const child = spawn(binary, [socket, process.execPath, daemon, 'an', 'argument'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await until(() => existsSync(socket) && statSync(socket).isSocket());
    assert.equal(statSync(socket).mode & 0o777, 0o666);
    // No client yet: the command has not run (this process is still socket-activate).
    await new Promise((r) => setTimeout(r, 200));
    assert.match(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), /socket-activate\0/);
    const answer = JSON.parse(await ask(socket));
    assert.deepEqual(answer, { pid: child.pid, fds: '1', listenPid: String(child.pid), argv: ['an', 'argument'] });
    assert.equal(await exited, 0);
  });

  it('says what failed in one line, with exit 111 (a socket it cannot make) or 2 (usage)', () => {
    const r = spawnSync(binary, [join(dir, 'no/such/dir/sock'), 'true'], { encoding: 'utf8' });
    assert.equal(r.status, 111);
    assert.equal(r.stderr, `socket-activate: bind ${join(dir, 'no/such/dir/sock')}: No such file or directory\n`);
    const usage = spawnSync(binary, [], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.equal(usage.stderr, 'usage: socket-activate PATH COMMAND [ARG...]\n');
  });
});
