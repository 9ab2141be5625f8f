// The QEMU command line of the `vm` target, and the kernel command line it passes.
//
//  - pc machine, one CPU (the host's under KVM, TCG_CPU_MODEL under TCG), no default
//    devices, no display, -no-reboot (a reboot ends QEMU and the driver starts it again
//    with the then-default entry);
//  - the kernel (as its PVH ELF when it has one, pvh-kernel.ts), initrd and options of
//    a boot entry, with TCG_KERNEL_OPTIONS under TCG and the caller's additions;
//  - the root and boot disk overlays on virtio-blk (vda, vdb), the serial console appended to a file, the agent's
//    virtio-serial port and QMP on unix sockets, virtio-rng for early entropy;
//  - no network device unless an SSH port is forwarded: then a user-mode NIC that
//    reaches nothing but that port.
import type { Accel } from './accel.ts';
import { VIRTIO_PORT_NAME } from './agent/protocol.ts';
import type { BootFiles } from './boot-files.ts';

/**
 * Added to the boot entry's options under TCG only (the entry itself stays as moss writes it).
 *  - no_timer_check: an emulated CPU starved by a loaded host can miss the kernel's check
 *    that the IO-APIC timer ticks, and the guest then panics with "IO-APIC + timer doesn't
 *    work" before init; QEMU's timer is known to work, so the check is skipped, as
 *    virtualised guests commonly do.
 *  - cryptomgr.notests: the crypto API's self-tests of every algorithm it registers, the
 *    slowest initcalls of an emulated boot (0.4-0.8 s), test the kernel's crypto code,
 *    which QEMU runs unchanged; they say nothing about the machine under test.
 *  - initcall_blacklist=crypto_kdf108_init: the one crypto self-test cryptomgr.notests
 *    does not reach. Linux 6.1's crypto/kdf_sp800108.c runs its KDF test from its init
 *    unconditionally (later kernels skip it when self-tests are configured off); it was the
 *    slowest initcall left, 0.2-0.3 s. The init does nothing else: the KDF's exported
 *    functions work without it (keyctl's DH KDF is their only user, and nothing here uses it).
 *  - acpi=noirq: PCI interrupt routing from the MP table QEMU's firmware writes, not from
 *    ACPI. Enabling each virtio device's interrupt link ran the ACPI AML interpreter for
 *    about 0.23 s of emulated CPU (the four links 0.9 s, the largest part of the VM kernel's
 *    start-up: `virtio_pci_driver_init` in the boot profile); the MP table describes the same
 *    routing, and ACPI still does everything else (power button, power-off, reboot).
 */
export const TCG_KERNEL_OPTIONS = 'no_timer_check cryptomgr.notests initcall_blacklist=crypto_kdf108_init acpi=noirq';

/**
 * The CPU TCG emulates: qemu64, the plain x86-64 baseline (SSE2, SSE3), not `max`. With `max`,
 * QEMU 7.2 offers AVX, AVX2, BMI and SSSE3, and glibc, V8, OpenSSL and LLVM then pick their
 * vector code paths, which TCG emulates instruction by instruction far slower than the scalar
 * ones they replace. Measured in the guest, `max` then qemu64: Node's sha256 49-64 against
 * 58-82 MB/s (OpenSSL's scalar code), `moss state verify` 18-19 against 9-10 s (the XXH3
 * WebAssembly under V8), the agent ready at 3.5-4.6 against 3.1-4.3 s of uptime; the whole
 * spec 434 against 362-382 s of case time. SSSE3 alone does no better: with
 * `qemu64,+ssse3` OpenSSL takes its SSSE3 path, and Node's sha256 fell from 88-95 to 51-52 MiB/s,
 * `onix mirror` went from 11.5 to 17.5 s. What the spec checks does not depend on it
 * (llvmpipe's vector width is a `[..]` in validation 4); under KVM the guest gets the host's.
 */
export const TCG_CPU_MODEL = 'qemu64';

/** QEMU's -cpu for an accelerator. */
export function qemuCpu(accel: Accel): string {
  return accel === 'kvm' ? 'host' : TCG_CPU_MODEL;
}

/** Where one machine's QEMU keeps its files (all in the machine's own directory). */
export interface QemuPaths {
  /** The root disk's overlay (the guest's /dev/vda). */
  overlay: string;
  /** The boot disk's overlay (/dev/vdb: the ESP and XBOOTLDR, disk.ts). */
  bootOverlay: string;
  console: string;
  qmp: string;
  agent: string;
}

export interface QemuCommandOptions {
  accel: Accel;
  paths: QemuPaths;
  files: BootFiles;
  /** The kernel file QEMU loads: `files.kernel` or its PVH ELF. */
  kernel: string;
  /** Guest memory in MiB. */
  memoryMiB: number;
  /** Kernel options added after the entry's (and TCG's). */
  kernelOptions?: string;
  /** Host port forwarded to the guest's SSH server; no NIC without it. */
  sshPort?: number;
  /** Internal snapshot to start from. */
  loadvm?: string;
}

/** The kernel command line: the boot entry's options, then TCG's, then the caller's. */
export function kernelCommandLine(entryOptions: string, accel: Accel, extra?: string): string {
  return [entryOptions, accel === 'tcg' ? TCG_KERNEL_OPTIONS : '', extra ?? ''].filter(Boolean).join(' ');
}

export function qemuCommandLine(o: QemuCommandOptions): string[] {
  const p = o.paths;
  const args = [
    ...['-name', 'onix-vm', '-machine', `pc,accel=${o.accel}`, '-cpu', qemuCpu(o.accel)],
    ...['-m', String(o.memoryMiB), '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'],
    ...(o.sshPort ? ['-nic', `user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`] : ['-nic', 'none']),
    ...['-kernel', o.kernel, ...(o.files.initrd ? ['-initrd', o.files.initrd] : [])],
    ...['-append', kernelCommandLine(o.files.options, o.accel, o.kernelOptions)],
    ...['-drive', `file=${p.overlay},if=virtio,format=qcow2`, '-drive', `file=${p.bootOverlay},if=virtio,format=qcow2`],
    ...['-chardev', `file,id=console,path=${p.console},append=on`, '-serial', 'chardev:console'],
    ...['-chardev', `socket,id=agent,path=${p.agent},server=on,wait=off`, '-device', 'virtio-serial-pci'],
    ...['-device', `virtserialport,chardev=agent,name=${VIRTIO_PORT_NAME}`, '-device', 'virtio-rng-pci'],
    ...['-qmp', `unix:${p.qmp},server=on,wait=off`],
  ];
  if (o.loadvm) args.push('-loadvm', o.loadvm);
  return args;
}
