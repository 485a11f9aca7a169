import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    // Each test file gets its own database (cloned from a migrated template), so files run in parallel.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
