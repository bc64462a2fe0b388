// Development only, as trainer-worker.dev.js: the worker registers tsx itself when run from the sources.
import { register } from 'tsx/esm/api';

register();
await import('./shared-trainer-worker.ts');
