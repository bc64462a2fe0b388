// Worker threads start without the main thread's module loaders, so the TypeScript worker needs tsx
// registered here first (the workspace runs its sources through tsx; there is no build step).
import { register } from 'tsx/esm/api';

register();
await import('./trainer-worker.ts');
