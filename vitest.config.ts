import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not margins: a TF.js test that takes 70 s on an idle 2-core machine takes 140 s and
    // more with both cores busy, and CI must pass there too.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Three files at a time on two cores: about a third of the suite's file time is waiting (trial
    // timeouts, Redis workers, scripted epoch delays, Chromium), which a third file fills; every test is
    // written to pass on a loaded machine (CI passed with two busy loops beside a 2-file run).
    maxWorkers: 3,
    pool: 'forks',
  },
});
