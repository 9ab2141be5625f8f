// The one suite every machine driver passes (Scrut's executor-suite idea): the
// same assertions against local, sandbox, vm and ssh. Each driver's test file
// calls machineSuite() with a factory and says what the target can do.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MachineError, type Machine } from '../../onix/machine/machine.ts';

export interface SuiteOptions {
  /** A non-root user that exists on the machine (e.g. "alice"), or null when sessions can only be the agent's user. */
  otherUser: string | null;
  /** Timeout for boot/reboot in ms (default: 60_000). */
  bootTimeoutMs?: number;
  /** Directory a test may write to that must survive a reboot (e.g. /home/alice; default: "$HOME"). */
  persistentDir?: string;
  /** The machine has /nix that must survive reboot (ONIX images). */
  hasNix?: boolean;
  /** Really reboot it in the test (default: true; false for ssh to the test host itself, which must stay up). */
  testReboot?: boolean;
  /** The machine runs the test image: moss's /.moss/root/<id> trees and the stand-in's /usr/libexec/moss/moss-exchange (default: false). */
  hasMoss?: boolean;
}

export function machineSuite(name: string, create: () => Machine, opts: SuiteOptions): void {
  const slow = opts.bootTimeoutMs ?? 60_000;
  describe(`machine suite: ${name}`, { timeout: 20 * slow }, () => {
    let m: Machine;
    before(async () => {
      m = create();
      await m.boot();
    });
    after(async () => {
      await m?.shutdown();
    });

    it('boots and reports who it is', async () => {
      const id = await m.identity();
      assert.equal(typeof id.target, 'string');
      assert.ok(id.host.length > 0);
    });

    it('runs commands with exact stdout, separate stderr and exit codes', async () => {
      const s = await m.session();
      const r = await s.run('echo out; echo err >&2; printf "no newline"; exit_with() { return $1; }; exit_with 3');
      assert.equal(r.stdout, 'out\nno newline');
      assert.equal(r.stderr, 'err\n');
      assert.equal(r.status, 3);
      assert.equal(r.timedOut, false);
      assert.equal((await s.run('false')).status, 1);
      assert.equal((await s.run('true')).status, 0);
      const missing = await s.run('this-command-does-not-exist-onix');
      assert.equal(missing.status, 127);
      assert.match(missing.stderr, /not found/);
      await s.close();
    });

    it('keeps cd, variables and functions between commands, pins the environment', async () => {
      const s = await m.session();
      await s.run('mkdir -p onix-suite-dir && cd onix-suite-dir; X=42; f() { echo "f:$1"; }');
      const r = await s.run('basename "$PWD"; echo "$X"; f a; echo "$LANG $TZ $COLUMNS $NO_COLOR"');
      assert.equal(r.stdout, 'onix-suite-dir\n42\nf:a\nC.UTF-8 UTC 80 1\n');
      const bad = await s.run("echo 'unterminated");
      assert.notEqual(bad.status, 0);
      assert.equal((await s.run('echo "$X"')).stdout, '42\n', 'a syntax error does not end the session');
      await s.close();
    });

    it('feeds stdin and keeps commands from reading the session script', async () => {
      const s = await m.session();
      assert.equal((await s.run('cat')).stdout, '');
      assert.equal((await s.run('tr a-z A-Z', { stdin: 'hello\nworld' })).stdout, 'HELLO\nWORLD');
      assert.equal((await s.run('echo next')).stdout, 'next\n');
      await s.close();
    });

    it('kills everything a timed-out command started, and nothing of it runs on (finding 4)', async () => {
      const other = await m.session();
      const s = await m.session();
      const busy = other.run('sleep 2; echo other-done', { timeoutMs: 30_000 });
      const flag = `/tmp/onix-suite-ran-on-${process.pid}-${Date.now()}`;
      // A duration of this run's own: the local and ssh targets share the host's /proc with the
      // other test files, and two suites running side by side saw each other's `sleep 600`.
      const nap = 100_000 + Math.floor(Math.random() * 900_000);
      const t0 = Date.now();
      // A builtin after the killed child, a background child, and a child in its own process group.
      const r = await s.run(`echo before; (sleep 3; echo x > ${flag}.bg) & sh -c 'exec setsid sleep ${nap}' & sleep ${nap}; echo x > ${flag}`, {
        timeoutMs: 1000,
      });
      assert.ok(Date.now() - t0 < 15_000, 'the timeout fired');
      assert.equal(r.timedOut, true);
      assert.equal(r.status, -1);
      assert.equal(r.stdout, 'before\n');
      assert.equal(s.alive, false, 'the session ends with its command');
      await assert.rejects(s.run('true'), MachineError);
      const o = await busy;
      assert.equal(o.stdout, 'other-done\n', 'the other session was not touched');
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const left = await other.run(
        `ls ${flag} ${flag}.bg 2>/dev/null | wc -l; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '^sleep ${nap} ' || true`,
      );
      assert.equal(left.stdout, '0\n0\n', 'nothing it started runs on or ran on');
      const loop = await other.run('while :; do :; done', { timeoutMs: 500 });
      assert.equal(loop.timedOut, true, 'a builtin loop times out too');
      const fresh = await m.session();
      assert.equal((await fresh.run('echo fine')).stdout, 'fine\n', 'the machine goes on');
      await fresh.close();
      await other.close();
    });

    it('keeps its framing out of what the user types (finding 5): set -x, exec, traps, set -e, stty, closed stdout', async () => {
      const s = await m.session();
      const x = await s.run('set -x');
      assert.equal(x.stdout, '');
      const traced = await s.run('echo a');
      assert.equal(traced.stdout, 'a\n');
      assert.match(traced.stderr, /^\++ echo a\n$/, 'the trace of the command, and nothing of the framing');
      await s.run('set +x');
      assert.deepEqual(await s.run('exec 2>&1; echo err >&2', { timeoutMs: 10_000 }).then((r) => [r.stdout, r.stderr, r.timedOut]), ['err\n', '', false]);
      assert.deepEqual(await s.run('exec >/dev/null; echo gone', { timeoutMs: 10_000 }).then((r) => [r.stdout, r.timedOut]), ['', false]);
      assert.deepEqual(await s.run('exec >&-; echo closed', { timeoutMs: 10_000 }).then((r) => [r.stdout, r.timedOut]), ['', false]);
      assert.equal((await s.run('echo back')).stdout, 'back\n', 'the next command has its stdout again');
      await s.run("trap 'echo trapped' EXIT INT TERM");
      assert.equal((await s.run('stty -a < /dev/null > /dev/null 2>&1; echo "stty $?" | cut -c1-4', { timeoutMs: 10_000 })).stdout, 'stty\n');
      assert.equal((await s.run('echo still')).stdout, 'still\n');
      await s.run('set -e');
      const e = await s.run('false', { timeoutMs: 10_000 });
      assert.equal(e.timedOut, false, 'set -e ends the shell, it does not hang');
      assert.notEqual(e.status, 0);
      for (const r of [x, traced]) assert.doesNotMatch(r.stdout + r.stderr, /__ONIX_/);
      await s.close();
    });

    it('merges stderr into stdout in the order the command wrote them (finding 6)', async () => {
      const s = await m.session();
      const r = await s.run('echo one; echo two >&2; echo three; echo four >&2', { mergeStderr: true });
      assert.equal(r.stdout, 'one\ntwo\nthree\nfour\n');
      assert.equal(r.stderr, '');
      const apart = await s.run('echo one; echo two >&2');
      assert.deepEqual([apart.stdout, apart.stderr], ['one\n', 'two\n']);
      await s.close();
    });

    if (opts.otherUser) {
      const user = opts.otherUser;
      it(`opens sessions as ${user} through a login shell`, async () => {
        const s = await m.session({ user });
        const r = await s.run('id -un; echo "$HOME"; pwd; echo "$USER"');
        const [who, home, pwd, envUser] = r.stdout.split('\n');
        assert.equal(who, user);
        assert.equal(pwd, home);
        assert.equal(envUser, user);
        const denied = await s.run('touch /root/onix-suite-denied');
        assert.notEqual(denied.status, 0);
        assert.match(denied.stderr, /denied/i);
        await s.close();
        const root = await m.session();
        assert.equal((await root.run('id -u')).stdout, '0\n');
        await root.close();
      });
    } else {
      it('refuses sessions as another user with a MachineError', async () => {
        await assert.rejects(m.session({ user: 'onix-no-such-user' }), MachineError);
      });
    }

    it('copies files out', async () => {
      const s = await m.session();
      await s.run('printf "copy\\0me\\n" > onix-suite-copy; head -c 3000000 /dev/zero | tr "\\0" x > onix-suite-big');
      const dir = mkdtempSync(join(tmpdir(), 'onix-suite-'));
      try {
        const path = (await s.run('printf %s "$PWD"')).stdout;
        await m.copyOut(`${path}/onix-suite-copy`, join(dir, 'a'));
        assert.deepEqual(readFileSync(join(dir, 'a')), Buffer.from('copy\0me\n'));
        await m.copyOut(`${path}/onix-suite-big`, join(dir, 'b'));
        assert.equal(readFileSync(join(dir, 'b')).length, 3_000_000);
        await assert.rejects(m.copyOut('/onix/no/such/file', join(dir, 'c')), MachineError);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await s.close();
    });
    it('snapshot then restore undoes a change', async () => {
      if (!m.capabilities.snapshot) {
        await assert.rejects(m.snapshot('suite'), MachineError);
        return;
      }
      let s = await m.session();
      await s.run('echo before > onix-suite-snap');
      await s.close();
      await m.snapshot('suite');
      s = await m.session();
      await s.run('echo after > onix-suite-snap; echo new > onix-suite-new');
      assert.equal((await s.run('cat onix-suite-snap')).stdout, 'after\n');
      await m.restore('suite');
      assert.equal(s.alive, false, 'sessions from before the restore are gone');
      s = await m.session();
      const r = await s.run('cat onix-suite-snap; ls onix-suite-new 2>/dev/null || echo gone');
      assert.equal(r.stdout, 'before\ngone\n');
      await s.close();
    });

    if (opts.hasMoss)
      it("renames a state's tree from the image as moss's activation does: within /.moss/root and into /usr, kept by snapshots", async () => {
        // One root filesystem, as on the VM: an overlay without redirect_dir answers EXDEV
        // to renaming a directory of its lower layer (the sandbox did, failing onix rollback).
        const x = '/usr/libexec/moss/moss-exchange';
        const s = await m.session();
        const id = (await s.run("ls /.moss/root | grep -E '^[0-9]+$' | head -n 1")).stdout.trim();
        assert.match(id, /^[0-9]+$/, 'the image has an archived state');
        const moved = await s.run(
          `set -e; mkdir /.moss/root/onix-suite-moved /usr/onix-suite-usr
          ${x} /.moss/root/${id} /.moss/root/onix-suite-moved
          ${x} /.moss/root/onix-suite-moved/usr /usr/onix-suite-usr
          cat /usr/onix-suite-usr/.stateID; echo; ls /.moss/root/${id}`,
        );
        assert.deepEqual([moved.stderr, moved.status], ['', 0]);
        assert.equal(moved.stdout, `${id}\n`, "the state's /usr moved twice, and the empty directories it was exchanged with took its places");
        await s.close();
        if (m.capabilities.snapshot) {
          await m.snapshot('suite-moss');
          await m.restore('suite-moss');
        }
        const t = await m.session();
        const back = await t.run(
          `set -e; cat /usr/onix-suite-usr/.stateID; echo
          ${x} /.moss/root/onix-suite-moved/usr /usr/onix-suite-usr
          ${x} /.moss/root/onix-suite-moved /.moss/root/${id}
          rmdir /.moss/root/onix-suite-moved /usr/onix-suite-usr; cat /.moss/root/${id}/usr/.stateID`,
        );
        assert.deepEqual([back.stdout, back.stderr, back.status], [`${id}\n${id}`, '', 0], 'a restore keeps the moves, and they move back');
        await t.close();
      });

    if (opts.testReboot !== false)
      it('reboots for real, keeping persistent files and clearing /run', async () => {
        if (!m.capabilities.reboot) {
          await assert.rejects(m.reboot(), MachineError);
          return;
        }
        let s = await m.session();
        const dir = opts.persistentDir ?? '$HOME';
        await s.run(`echo kept > ${dir}/onix-suite-persist; mkdir -p /run/onix-suite; echo x > /run/onix-suite/flag`);
        if (opts.hasNix) await s.run('echo kept > /nix/onix-suite-persist');
        const bootId = (await s.run('cat /proc/sys/kernel/random/boot_id 2>/dev/null; echo $$; cat /proc/1/stat | cut -d" " -f22')).stdout;
        await m.reboot();
        assert.equal(s.alive, false, 'the reboot ended the old session');
        s = await m.session();
        const after = await s.run(`cat ${dir}/onix-suite-persist; ls /run/onix-suite 2>&1 >/dev/null | grep -c "No such" `);
        assert.equal(after.stdout, 'kept\n1\n');
        if (opts.hasNix) assert.equal((await s.run('cat /nix/onix-suite-persist')).stdout, 'kept\n');
        const bootId2 = (await s.run('cat /proc/sys/kernel/random/boot_id 2>/dev/null; echo $$; cat /proc/1/stat | cut -d" " -f22')).stdout;
        assert.notEqual(bootId2, bootId, 'a new boot (init started again)');
        await s.close();
      });

    it('crashes (hard reset) and boots again', async () => {
      if (!m.capabilities.crash) {
        await assert.rejects(m.crash(), MachineError);
        return;
      }
      // A new boot: /run (tmpfs) is empty again, and the kernel's boot id (new at every VM
      // boot) or init's start tick (new at every start of a container on the host's kernel)
      // changed; either alone can repeat, on the sandbox or between two alike VM boots.
      const who = 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f22 /proc/1/stat';
      let s = await m.session();
      const before = (await s.run(`mkdir -p /run/onix-suite-crash; ${who}`)).stdout;
      await m.crash();
      assert.equal(s.alive, false);
      s = await m.session();
      const r = await s.run(`echo up; test -e /run/onix-suite-crash && echo /run kept; ${who}`);
      assert.equal(r.stdout.split('\n')[0], 'up');
      assert.notEqual(r.stdout.split('\n')[1], '/run kept');
      assert.notEqual(r.stdout.split('\n').slice(1).join('\n'), before, 'a new boot (new boot id or init started again)');
      await s.close();
    });
  });
}
