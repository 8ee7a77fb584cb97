import { defineConfig } from 'vitest/config';

/**
 * Files that load TF.js into the test process itself (its engine, backend and kernel registry are
 * process-wide): each runs in a fresh process. Every other file loads only our plain modules in-process
 * (TF.js runs in the CLI processes and workers they spawn) and shares a process with the files before it.
 */
const OWN_PROCESS = [
  'test/train/**/*.test.ts',
  'test/export/**/*.test.ts',
  'test/pool/predict-pool.test.ts',
  // CLI commands run in-process (test/helpers/cli.ts runInProcess): they train and predict with TF.js.
  'test/e2e/train-cli.test.ts',
  'test/faults/bad-inputs.test.ts',
  'test/faults/corrupt-state.test.ts',
];

export default defineConfig({
  test: {
    // Hang guards, not margins: a TF.js test that takes 70 s on an idle 2-core machine takes 140 s and
    // more with both cores busy, and CI must pass there too.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Three files at a time on two cores: part of the suite's time is waiting (trial timeouts, Redis
    // workers, scripted epoch delays, Chromium), which a third file fills (fresh-clone CI: vitest 616 s
    // with 2, 546-580 s with 3); every test passes on a loaded machine (CI with two busy loops beside it).
    maxWorkers: 3,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'own-process', include: OWN_PROCESS, isolate: true } },
      // A fresh process per file costs ~0.5 CPU-s (Node, vitest's runtime, the imports): over ~90 files,
      // a tenth of the suite. A file here must leave the process as it found it (env, cwd, globals).
      { extends: true, test: { name: 'shared-process', include: ['test/**/*.test.ts'], exclude: OWN_PROCESS, isolate: false } },
    ],
  },
});
