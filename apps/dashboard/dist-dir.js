import { fileURLToPath } from 'node:url';

// Plain JavaScript beside its .d.ts: the dashboard compiles only its browser bundle, and a production
// install (the simulator's) needs this path without a TypeScript loader.
/** The folder `vite build` writes and the coordinator serves; absent until the dashboard is built. */
export const DASHBOARD_DIST = fileURLToPath(new URL('./dist', import.meta.url));
