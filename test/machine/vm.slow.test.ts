import { QemuMachine } from '../../onix/machine/qemu.ts';
import { machineSuite } from './suite.ts';

machineSuite('vm', () => new QemuMachine(), { otherUser: 'alice', persistentDir: '/home/alice', hasNix: true, bootTimeoutMs: 300_000 });
