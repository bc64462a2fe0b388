import { fileURLToPath } from 'node:url';

/**
 * The executable of the simulator (package.json `bin`), for spawning it as a process. The same path from
 * src/ and from dist/, both one level below the package: callers find it through the package's exports.
 */
export const SIMULATOR_BIN = fileURLToPath(new URL('../bin/fedfuse-sim.js', import.meta.url));
