import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql in tests, as in production: Node loads graphql's CommonJS entry for everyone
    // (Pothos included), while Vite would give our sources its ESM entry, a second copy whose
    // type checks (instanceof) reject the schema's types.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/globalSetup.ts'],
    // Each test file gets its own database (cloned from a migrated template), so files run in parallel.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
