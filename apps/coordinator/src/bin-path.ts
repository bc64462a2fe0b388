import { fileURLToPath } from 'node:url';

/**
 * The executable of the coordinator (package.json `bin`), for spawning it as a process. The same path from
 * src/ and from dist/, both one level below the package: callers find it through the package's exports.
 */
export const COORDINATOR_BIN = fileURLToPath(new URL('../bin/fedfuse-coordinator.js', import.meta.url));
