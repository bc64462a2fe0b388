// Development only: run from its TypeScript sources (vitest, tsx), the replica thread starts without the
// main thread's loaders, so it registers tsx itself. Compiled code starts dist/replica-worker.js.
import { register } from 'tsx/esm/api';

register();
await import('./replica-worker.ts');
