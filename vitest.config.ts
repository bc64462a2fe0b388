import { configDefaults, defineConfig } from 'vitest/config';

// Tests that start a whole coordinator, a process or a browser: the cross-app tests under test/, the
// coordinator's app-level tests beside its entry points, and the client's executable.
const END_TO_END = ['test/**/*.test.ts', 'apps/coordinator/src/*.test.ts', 'apps/client/src/bin.test.ts'];

// One runner for the whole repo, in two projects: `vitest run --project unit` for the fast loop.
export default defineConfig({
  test: {
    pool: 'forks',
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
        },
      },
    ],
  },
});
