import swc from 'unplugin-swc';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// Nest reads constructor types from decorator metadata, which esbuild does not emit: the coordinator's
// sources go through swc instead (per its tsconfig.json), everything else stays on esbuild.
const COORDINATOR_SOURCES = /\/apps\/coordinator\/src\/.*\.ts$/;
// unplugin-swc turns esbuild off for every file; keep it on for the rest and skip only the coordinator.
const { config: _disablesEsbuildEverywhere, ...coordinatorSwc } = swc.vite({ include: COORDINATOR_SOURCES });

// Workspace packages export their TypeScript sources under the "source" condition and dist/ otherwise:
// tests run the sources, and so do worker threads and the module runner's externals (--conditions).
const SOURCE_FIRST = ['source'];

// Tests that start a whole coordinator, a process or a browser: the cross-app tests under test/, the
// coordinator's app-level tests beside its entry points, and the client's executable.
const END_TO_END = ['test/**/*.test.ts', 'apps/coordinator/src/*.test.ts', 'apps/client/src/bin.test.ts'];

// One runner for the whole repo, in two projects: `vitest run --project unit` for the fast loop.
export default defineConfig({
  plugins: [coordinatorSwc],
  esbuild: { exclude: [COORDINATOR_SOURCES] },
  resolve: { conditions: [...SOURCE_FIRST, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [...SOURCE_FIRST, ...defaultServerConditions] } },
  test: {
    pool: 'forks',
    execArgv: ['--conditions=source'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...END_TO_END],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: END_TO_END,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // What these tests wait for crosses processes and sockets: on a loaded 2-core machine that takes
          // seconds, not the 1 s default; a poll still ends the moment its condition holds.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});
