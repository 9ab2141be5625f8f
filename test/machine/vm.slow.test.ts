import { testImage } from '../../onix/image/provider.ts';
import { QemuMachine } from '../../onix/machine/qemu.ts';
import { machineSuite } from './suite.ts';

machineSuite('vm', () => new QemuMachine({ image: testImage }), {
  otherUser: 'alice',
  persistentDir: '/home/alice',
  hasNix: true,
  hasMoss: true,
  bootTimeoutMs: 300_000,
});
