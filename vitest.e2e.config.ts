import { defineConfig } from 'vitest/config';

/** Browser tests: the built app served by `croft serve` on the embedded database, driven in Chromium. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
    // A page waits on the server; on a shared 2-core machine a first geometry insert (PGlite loading
    // PostGIS) alone took over a second, past expect.poll's default of 1 s. Waiting longer asserts the same.
    expect: { poll: { timeout: 10_000 } },
  },
});
