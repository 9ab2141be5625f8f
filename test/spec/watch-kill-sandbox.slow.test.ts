import { watchKillSuite } from './watch-kill.ts';

watchKillSuite('sandbox');
