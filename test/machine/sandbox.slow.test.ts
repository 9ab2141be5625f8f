import { testImage } from '../../onix/image/provider.ts';
import { SandboxMachine } from '../../onix/machine/sandbox.ts';
import { machineSuite } from './suite.ts';

machineSuite('sandbox', () => new SandboxMachine({ image: testImage }), {
  otherUser: 'alice',
  persistentDir: '/home/alice',
  hasNix: true,
  hasMoss: true,
  bootTimeoutMs: 60_000,
});
