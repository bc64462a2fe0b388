// Development only: when the trainer runs from its TypeScript sources (vitest, tsx), the worker thread
// starts without the main thread's loaders, so it registers tsx itself. Compiled code starts
// dist/trainer/trainer-worker.js directly instead.
import { register } from 'tsx/esm/api';

register();
await import('./trainer-worker.ts');
