import { SandboxMachine } from '../../onix/machine/sandbox.ts';
import { machineSuite } from './suite.ts';

machineSuite('sandbox', () => new SandboxMachine(), { otherUser: 'alice', persistentDir: '/home/alice', hasNix: true, bootTimeoutMs: 60_000 });
