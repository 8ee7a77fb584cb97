import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang guards, not margins: a TF.js test that takes 70 s on an idle 2-core machine takes 140 s and
    // more with both cores busy, and CI must pass there too.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Three files at a time on two cores: part of the suite's time is waiting (trial timeouts, Redis
    // workers, scripted epoch delays, Chromium), which a third file fills (fresh-clone CI: vitest 616 s
    // with 2, 546-580 s with 3); every test passes on a loaded machine (CI with two busy loops beside it).
    maxWorkers: 3,
    pool: 'forks',
  },
});
