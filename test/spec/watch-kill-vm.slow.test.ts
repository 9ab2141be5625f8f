import { watchKillSuite } from './watch-kill.ts';

watchKillSuite('vm');
