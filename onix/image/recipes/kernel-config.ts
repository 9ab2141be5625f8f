// The test VM's kernel configuration: Linux's own `tinyconfig` (x86_64) with the options
// below, each for a stated reason. Everything else stays off: the VM has a fixed set of
// virtual devices (qemu-command.ts), so a generic distribution kernel's hundreds of drivers
// and subsystems are initcalls the emulated CPU runs at every boot for hardware that is never
// there. The build fails if Kconfig does not keep one of these (a dependency changed).

/** Option name to value ("y", "m", a number or a quoted string), with the reason. */
export const VM_KERNEL_OPTIONS: Record<string, { value: string; why: string }> = {
  CONFIG_64BIT: { value: 'y', why: 'x86_64: the image is amd64' },
  CONFIG_LOCALVERSION: { value: '"-onix-vm"', why: 'the release names the configuration: uname -r, /usr/lib/modules/<release>, the boot entry' },
  // Boot: QEMU loads the kernel's PVH entry (pvh-kernel.ts) and the initramfs moss installs.
  CONFIG_HYPERVISOR_GUEST: { value: 'y', why: 'PVH and the paravirtual clock live under it' },
  CONFIG_PVH: { value: 'y', why: "QEMU boots the kernel's PVH ELF note directly: no real-mode setup, no decompression (pvh-kernel.ts)" },
  CONFIG_PARAVIRT: { value: 'y', why: 'KVM_GUEST needs it' },
  CONFIG_KVM_GUEST: { value: 'y', why: 'kvm-clock and paravirtual features where KVM works (accel.ts)' },
  CONFIG_BLK_DEV_INITRD: { value: 'y', why: "the ONIX initramfs runs moss's early-boot hook" },
  CONFIG_RD_GZIP: { value: 'y', why: 'the initramfs is gzip (kernel.ts)' },
  CONFIG_BINFMT_ELF: { value: 'y', why: 'every program' },
  CONFIG_BINFMT_SCRIPT: { value: 'y', why: "#! scripts: init's, moss's hook, the seam" },
  CONFIG_ACPI: { value: 'y', why: 'power-off and reboot through the pc machine' },
  CONFIG_PCI: { value: 'y', why: 'the virtio devices are PCI devices' },
  CONFIG_PCI_MSI: { value: 'y', why: 'virtio-pci interrupts without shared legacy lines' },
  // Console and kernel log (the boot profile reads timestamped `onix-boot:` lines from dmesg).
  CONFIG_PRINTK: { value: 'y', why: 'the kernel log: /dev/kmsg, dmesg, the boot profile' },
  CONFIG_PRINTK_TIME: { value: 'y', why: 'timestamps on the log lines the boot profile places' },
  CONFIG_KALLSYMS: { value: 'y', why: 'initcall_debug names the initcalls it times (boot-profile.ts)' },
  CONFIG_BUG: { value: 'y', why: 'a kernel bug is reported, not silent' },
  CONFIG_TTY: { value: 'y', why: 'terminals: the serial console, ptys' },
  CONFIG_SERIAL_8250: { value: 'y', why: 'ttyS0, the console QEMU writes to a file' },
  CONFIG_SERIAL_8250_CONSOLE: { value: 'y', why: 'console=ttyS0' },
  CONFIG_UNIX98_PTYS: { value: 'y', why: "/dev/pts: the agent's terminal sessions, dropbear" },
  // Devices QEMU gives the VM.
  CONFIG_VIRTIO_MENU: { value: 'y', why: 'virtio drivers' },
  CONFIG_VIRTIO_PCI: { value: 'y', why: 'virtio transport' },
  CONFIG_BLOCK: { value: 'y', why: 'the block layer' },
  CONFIG_BLK_DEV: { value: 'y', why: 'block devices' },
  CONFIG_VIRTIO_BLK: { value: 'y', why: 'the root disk (vda) and the boot disk (vdb)' },
  CONFIG_PARTITION_ADVANCED: { value: 'y', why: 'to choose the partition table types' },
  CONFIG_EFI_PARTITION: { value: 'y', why: "the boot disk's GPT: ESP and XBOOTLDR (disk.ts)" },
  CONFIG_VIRTIO_CONSOLE: { value: 'y', why: "the agent's virtio-serial port" },
  CONFIG_HW_RANDOM: { value: 'y', why: 'hardware entropy' },
  CONFIG_HW_RANDOM_VIRTIO: { value: 'y', why: 'virtio-rng: the CRNG is ready at once' },
  CONFIG_HPET_TIMER: { value: 'y', why: "the pc machine's HPET" },
  CONFIG_RTC_CLASS: { value: 'y', why: 'the wall clock at boot' },
  CONFIG_RTC_DRV_CMOS: { value: 'y', why: "the pc machine's RTC" },
  CONFIG_NETDEVICES: { value: 'y', why: 'network devices' },
  CONFIG_NET_CORE: { value: 'y', why: 'network device drivers' },
  CONFIG_VIRTIO_NET: {
    value: 'm',
    why: 'the NIC a host adds for SSH only: a module, loaded by the initramfs, so the module tree and the depmod trigger have a real module to index',
  },
  // Filesystems.
  CONFIG_DEVTMPFS: { value: 'y', why: '/dev' },
  CONFIG_PROC_FS: { value: 'y', why: '/proc' },
  CONFIG_PROC_SYSCTL: { value: 'y', why: '/proc/sys' },
  CONFIG_SYSFS: { value: 'y', why: '/sys: the initramfs finds partitions and ports there' },
  CONFIG_TMPFS: { value: 'y', why: '/run, /tmp, /dev/shm' },
  CONFIG_TMPFS_POSIX_ACL: { value: 'y', why: 'ACLs where the root filesystem has them' },
  CONFIG_TMPFS_XATTR: { value: 'y', why: 'xattrs on tmpfs, as on the root filesystem' },
  CONFIG_EXT4_FS: { value: 'y', why: 'the root filesystem (mke2fs -d, disk.ts)' },
  CONFIG_EXT4_FS_POSIX_ACL: { value: 'y', why: 'POSIX ACLs on the root filesystem' },
  CONFIG_EXT4_FS_SECURITY: { value: 'y', why: 'security xattrs on the root filesystem' },
  CONFIG_CRYPTO_CRC32C: { value: 'y', why: "ext4's metadata checksums" },
  CONFIG_VFAT_FS: { value: 'y', why: 'the ESP (/efi) and XBOOTLDR (/boot)' },
  CONFIG_FAT_DEFAULT_CODEPAGE: { value: '437', why: "Debian's default, which the mounts rely on" },
  CONFIG_FAT_DEFAULT_IOCHARSET: { value: '"ascii"', why: "Debian's default, which the mounts rely on" },
  CONFIG_NLS: { value: 'y', why: 'character sets for FAT' },
  CONFIG_NLS_CODEPAGE_437: { value: 'y', why: 'FAT code page 437' },
  CONFIG_NLS_ASCII: { value: 'y', why: 'FAT iocharset ascii' },
  CONFIG_NLS_UTF8: { value: 'y', why: 'FAT utf8 names' },
  CONFIG_OVERLAY_FS: { value: 'y', why: "overlayfs, as on every ONIX machine (Debian's kernel had it)" },
  CONFIG_FILE_LOCKING: { value: 'y', why: 'flock and fcntl locks: SQLite (moss, Nix), busybox flock' },
  CONFIG_INOTIFY_USER: { value: 'y', why: "inotify: Node's fs.watch, Nix" },
  // What the userland calls.
  CONFIG_MULTIUSER: { value: 'y', why: 'users and groups: root, alice, nixbld' },
  CONFIG_SYSVIPC: { value: 'y', why: 'System V IPC' },
  CONFIG_POSIX_MQUEUE: { value: 'y', why: 'POSIX message queues' },
  CONFIG_FHANDLE: { value: 'y', why: 'name_to_handle_at' },
  CONFIG_POSIX_TIMERS: { value: 'y', why: 'timer_create' },
  CONFIG_FUTEX: { value: 'y', why: 'threads (Node, Nix)' },
  CONFIG_EPOLL: { value: 'y', why: "Node's event loop" },
  CONFIG_SIGNALFD: { value: 'y', why: 'signalfd' },
  CONFIG_TIMERFD: { value: 'y', why: 'timerfd' },
  CONFIG_EVENTFD: { value: 'y', why: "eventfd (libuv's wakeups)" },
  CONFIG_SHMEM: { value: 'y', why: 'shared memory, tmpfs, memfd' },
  CONFIG_AIO: { value: 'y', why: 'io_setup' },
  CONFIG_IO_URING: { value: 'y', why: 'io_uring (libuv uses it when present)' },
  CONFIG_ADVISE_SYSCALLS: { value: 'y', why: 'madvise, fadvise' },
  CONFIG_MEMBARRIER: { value: 'y', why: "membarrier (V8's JIT)" },
  CONFIG_RSEQ: { value: 'y', why: 'rseq (glibc registers it)' },
  CONFIG_NET: { value: 'y', why: 'sockets' },
  CONFIG_UNIX: { value: 'y', why: "Unix sockets: nix-daemon's socket" },
  CONFIG_INET: { value: 'y', why: 'TCP/IP: loopback, SSH' },
  CONFIG_IPV6: { value: 'y', why: 'IPv6 sockets (::1)' },
  // Isolation: Nix's build sandbox (sandbox = true) and moss's trigger container.
  CONFIG_NAMESPACES: { value: 'y', why: "Nix's sandbox and moss's container (onix/moss/container.c)" },
  CONFIG_UTS_NS: { value: 'y', why: 'their own hostname' },
  CONFIG_IPC_NS: { value: 'y', why: 'their own IPC' },
  CONFIG_USER_NS: { value: 'y', why: "Nix's sandbox maps the build user" },
  CONFIG_PID_NS: { value: 'y', why: 'their own PID 1' },
  CONFIG_NET_NS: { value: 'y', why: 'builds without network' },
  CONFIG_CGROUPS: { value: 'y', why: 'cgroups, for tools that expect /sys/fs/cgroup' },
  CONFIG_SECCOMP: { value: 'y', why: "Nix's sandbox filters system calls" },
  CONFIG_SECCOMP_FILTER: { value: 'y', why: "Nix's sandbox filters system calls" },
  // Modules: the module tree moss installs and the depmod trigger indexes.
  CONFIG_MODULES: { value: 'y', why: 'loadable modules (virtio_net)' },
  CONFIG_MODULE_UNLOAD: { value: 'y', why: 'rmmod' },
  // Kernel behaviour.
  CONFIG_BASE_FULL: { value: 'y', why: "full-sized core tables (tinyconfig's small ones cap PIDs at 4096)" },
  CONFIG_NO_HZ_IDLE: { value: 'y', why: 'an idle VM does not tick: less host CPU while jobs wait' },
  CONFIG_HIGH_RES_TIMERS: { value: 'y', why: 'precise sleeps' },
  CONFIG_PREEMPT_VOLUNTARY: { value: 'y', why: "Debian's preemption model" },
  CONFIG_IKCONFIG: { value: 'y', why: 'the configuration is in the kernel' },
  CONFIG_IKCONFIG_PROC: { value: 'y', why: '/proc/config.gz says what this kernel is' },
  CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE: { value: 'y', why: '-O2, as Debian builds (tinyconfig chooses -Os)' },
  CONFIG_UNWINDER_FRAME_POINTER: { value: 'y', why: 'stack traces without the ORC tables (no libelf-based objtool pass for them)' },
};

/** The options as a Kconfig fragment (for scripts/kconfig/merge_config.sh). */
export function vmKernelFragment(): string {
  return Object.entries(VM_KERNEL_OPTIONS)
    .map(([name, o]) => `${name}=${o.value}`)
    .join('\n')
    .concat('\n');
}

/** The options a finished .config lost: "NAME=value" lines Kconfig did not keep. */
export function missingOptions(config: string): string[] {
  const lines = new Set(config.split('\n'));
  return Object.entries(VM_KERNEL_OPTIONS)
    .map(([name, o]) => `${name}=${o.value}`)
    .filter((line) => !lines.has(line));
}
