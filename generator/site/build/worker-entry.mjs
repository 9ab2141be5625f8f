// Entry of the build's worker threads: load tsx in this thread, then the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
