/**
 * digit-sweep's public API. The CLI (src/cli.ts) is a thin layer over these; everything here can be
 * used from code. Modules that load TF.js (train, export) are re-exported lazily by their own paths:
 * import 'digit-sweep/dist/train/index.js' to train in-process.
 */
export * from './core/errors.js';
export type * from './core/types.js';
export { runSweep, type SweepOptions, type SweepResult, type SweepStart } from './study/sweep.js';
export { optimize, type OptimizeEvent, type OptimizeOptions, type OptimizeSummary } from './study/optimize.js';
export { viewForTrial, canStartTrial } from './study/view.js';
export { checkStudyName } from './study/names.js';
export { loadSearchSpace, parseSearchSpace, DEFAULT_SPACE, type SearchSpace } from './search-space/index.js';
export { createSampler, RandomSampler, GridSampler, TpeSampler, type Sampler, type SampleContext } from './samplers/index.js';
export { createPruner, type Pruner } from './pruners/index.js';
export { LowdbTrialStore, MemoryTrialStore, acquireStudyLock, type TrialStore } from './storage/index.js';
export { ThreadRunner, defaultWorkers } from './pool/runner.js';
export { ProcessRunner } from './pool/process-runner.js';
export type { TrialRunner, TrialTask, TrialOutcome } from './pool/protocol.js';
export { loadDataset, loadKaggleSolution, readKaggleTest, readKaggleTrain, exportKaggle, type Dataset, type ImageSet } from './data/index.js';
export { writeReports, buildLeaderboard, renderLeaderboardTable, scoreSubmission } from './report/index.js';
