import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The domain tests are pure: they need none of the services the root config's globalSetup starts.
// Run them alone with: npx vitest run --config test/domain/vitest.config.ts
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/domain/**/*.test.ts'],
    pool: 'forks',
    // Property tests over decades of periods are CPU-bound; leave room on a loaded 2-core machine.
    testTimeout: 60_000,
    maxWorkers: 2,
  },
});
