import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: TF.js tests are CPU-bound, so run files one or two at a time.
    maxWorkers: 2,
    pool: 'forks',
  },
});
