import { defineConfig } from 'vitest/config';

// One runner for the whole repo: every *.test.ts next to its code, plus cross-app tests under test/.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
