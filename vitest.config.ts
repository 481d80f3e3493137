import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts (or reuses, from TEST_DATABASE_URL / TEST_TEMPORAL_ADDRESS) Postgres and Temporal once for the run.
    globalSetup: ['test/support/globalSetup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Domain property tests are CPU-bound; integration tests wait on I/O. Two files at a time suits 2 cores.
    maxWorkers: 2,
  },
});
