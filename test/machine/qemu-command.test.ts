import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelCommandLine, qemuCommandLine, TCG_KERNEL_OPTIONS } from '../../onix/machine/qemu-command.ts';
import type { Accel } from '../../onix/machine/accel.ts';

function commandLine(accel: Accel, more: { sshPort?: number; loadvm?: string } = {}): string[] {
  return qemuCommandLine({
    accel,
    paths: { overlay: '/m/root.qcow2', bootOverlay: '/m/boot.qcow2', console: '/m/console.log', qmp: '/m/qmp.sock', agent: '/m/agent.sock' },
    files: { entry: 'onix-1.conf', kernel: '/b/vmlinuz', initrd: '/b/initrd', options: 'root=/dev/vda rw moss.fstx=1' },
    kernel: '/b/vmlinuz.pvh',
    memoryMiB: 512,
    ...more,
  });
}

function option(args: string[], name: string): string {
  const i = args.indexOf(name);
  assert.ok(i >= 0, `${name} in ${args.join(' ')}`);
  return args[i + 1];
}

describe('the VM command line', () => {
  it("emulates the plain x86-64 CPU under TCG, whose scalar code TCG runs fastest, and gives KVM the host's", () => {
    assert.equal(option(commandLine('tcg'), '-cpu'), 'qemu64');
    assert.equal(option(commandLine('kvm'), '-cpu'), 'host');
    assert.equal(option(commandLine('tcg'), '-machine'), 'pc,accel=tcg');
  });

  it("passes the entry's kernel options, TCG's only under TCG, then the caller's", () => {
    assert.equal(option(commandLine('tcg'), '-append'), `root=/dev/vda rw moss.fstx=1 ${TCG_KERNEL_OPTIONS}`);
    assert.equal(option(commandLine('kvm'), '-append'), 'root=/dev/vda rw moss.fstx=1');
    assert.equal(kernelCommandLine('quiet', 'kvm', 'initcall_debug'), 'quiet initcall_debug');
  });

  it('has a network device only with an SSH port, reaching nothing but it', () => {
    assert.equal(option(commandLine('tcg'), '-nic'), 'none');
    assert.equal(option(commandLine('tcg', { sshPort: 2222 }), '-nic'), 'user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22');
    assert.ok(!commandLine('tcg').includes('-loadvm'));
    assert.equal(option(commandLine('tcg', { loadvm: 'base' }), '-loadvm'), 'base');
  });
});
