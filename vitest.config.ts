import swc from 'unplugin-swc';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Nest reads constructor types from decorator metadata, which esbuild does not emit: the coordinator's
// sources go through swc instead (per its tsconfig.json), everything else stays on esbuild.
const COORDINATOR_SOURCES = /\/apps\/coordinator\/src\/.*\.ts$/;
// unplugin-swc turns esbuild off for every file; keep it on for the rest and skip only the coordinator.
const { config: _disablesEsbuildEverywhere, ...coordinatorSwc } = swc.vite({ include: COORDINATOR_SOURCES });

// Workspace packages export their TypeScript sources under the "source" condition and dist/ otherwise:
// tests run the sources, and so do worker threads and the module runner's externals (--conditions).
const SOURCE_FIRST = ['source'];

// One runner for the whole repo: every *.test.ts next to its code, plus cross-app tests under test/.
export default defineConfig({
  plugins: [coordinatorSwc],
  esbuild: { exclude: [COORDINATOR_SOURCES] },
  resolve: { conditions: [...SOURCE_FIRST, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [...SOURCE_FIRST, ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--conditions=source'],
  },
});
