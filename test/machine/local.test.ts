import { LocalMachine } from '../../onix/machine/local.ts';
import { machineSuite } from './suite.ts';

machineSuite('local', () => new LocalMachine(), { otherUser: null });
