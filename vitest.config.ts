import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not margins: a TF.js test that takes 70 s on an idle 2-core machine takes 140 s and
    // more with both cores busy, and CI must pass there too.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Two cores: TF.js tests are CPU-bound, so run files one or two at a time.
    maxWorkers: 2,
    pool: 'forks',
  },
});
