/**
 * A whole sweep, as the CLI runs it: validate the space, load the data, open (or resume) the study under
 * runs/<study>/ behind a lock, run the optimize loop on a worker pool, write the reports. Nothing is
 * created under runs/ before the space and the data have been read without error.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { Dataset } from '../data/types.js';
import { UserError } from '../core/errors.js';
import type { TrainerKind, TrialRunner } from '../pool/protocol.js';
import { createPruner } from '../pruners/index.js';
import { createSampler } from '../samplers/index.js';
import { DEFAULT_SPACE, loadSearchSpace, validateSearchSpace, type SearchSpace } from '../search-space/index.js';
import { acquireStudyLock, FileCheckpoints, LowdbTrialStore, RedisCheckpoints, removeWriteLeftovers, studyPrefix } from '../storage/index.js';
import { loadSpaceData, SCRIPTED_DATA } from '../data/space-data.js';
import { checkStudyName } from './names.js';
import { optimize, type OptimizeEvent, type OptimizeSummary } from './optimize.js';
import type { FixedTrialConfig } from './phases.js';
import { planRefit, type RefitRequest } from './refit.js';
import type { FrozenTrial, StudyRecord } from '../core/types.js';

export interface SweepOptions {
  /** Search-space file; undefined = the embedded quickstart (DEFAULT_SPACE). */
  spaceFile?: string;
  study?: string;
  runsDir?: string;
  workers?: number;
  backend?: string;
  /** Override the space's trial budget. */
  trials?: number;
  trainer?: TrainerKind;
  /**
   * Where trials run: `thread` (a piscina pool) or `process` (one child process per worker). Default:
   * `process` on the tensorflow backend (tfjs-node's binding loads in one thread per process), else `thread`.
   */
  isolation?: Isolation;
  stopSignal?: AbortSignal;
  /** Called once the study is open, with the trials it already had (resume) and the resolved settings. */
  onStart?: (info: SweepStart) => void;
  onEvent?: (e: OptimizeEvent) => void;
  /**
   * Awaited when the sweep ends (done, stopped or thrown), before the study's store and the runner close:
   * where work that reads the store during the sweep stops (the live report).
   */
  onEnd?: () => Promise<void> | void;
  /**
   * A Redis URL: the study lives in Redis under its name and trials run on `digit-sweep worker`
   * processes on any machine (BullMQ); `workers` is then the number of trials queued or running at once.
   * runs/<study>/ keeps a study.json snapshot (written at the end) and the models workers could save there.
   */
  redis?: string;
  /** Warnings that are not errors (Redis outages: one line per outage and interval). Default: none. */
  log?: (line: string) => void;
  /** Replaces the thread pool (tests, other executors). */
  makeRunner?: (data: Dataset, workers: number) => Promise<TrialRunner> | TrialRunner;
  /**
   * The refit after the search (study/refit.ts): overrides the space's `refit:` section (which is used
   * when this is unset; a space without one does not refit).
   */
  refit?: Partial<RefitRequest>;
  /**
   * `digit-sweep refit`: no search, only the refit (`refit`, else the space's section, else top 1 and
   * auto epochs) of an existing study, with the space the study was made with (no `spaceFile`).
   */
  refitOnly?: boolean;
  /** Called when the refit phase starts, with its plan (the configurations; those already done are skipped). */
  onRefit?: (plan: FixedTrialConfig[]) => void;
}

export const ISOLATIONS = ['thread', 'process'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export interface SweepStart {
  study: string;
  studyDir: string;
  space: SearchSpace;
  spaceFile: string;
  data: Dataset;
  workers: number;
  isolation: Isolation;
  backend: string;
  backendReason: string;
  resumed: FrozenTrial[];
  /** The study as its store (lowdb or Redis) has it now; valid until the sweep ends (see onEnd). */
  readStudy: () => Promise<StudyRecord>;
}

export interface SweepResult extends OptimizeSummary {
  study: string;
  studyDir: string;
}

/** The space and record of an existing study (`refit`): from runs/<study>/study.json, or from Redis. */
async function storedStudy(study: string, runsDir: string, redis: string | undefined): Promise<{ record: StudyRecord; space: SearchSpace }> {
  checkStudyName(study);
  const where = redis ? `study ${study} in Redis` : resolve(runsDir, study, 'study.json');
  const record = redis
    ? await (await import('./remote.js')).requireRedisStudy(redis, study)
    : await (await import('../storage/study-file.js')).readStudy(resolve(runsDir, study));
  return { record, space: validateSearchSpace(record.space, `${where}: space`) };
}

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  if (opts.refitOnly && opts.spaceFile) throw new Error('runSweep: refitOnly uses the study\'s own space, not a space file');
  if (opts.refitOnly && !opts.study) throw new UserError('refit: a study name is required');
  const stored = opts.refitOnly ? await storedStudy(opts.study!, opts.runsDir ?? 'runs', opts.redis) : null;
  const spaceFile = stored?.record.spaceFile ?? opts.spaceFile ?? '(embedded quickstart)';
  let space = stored ? stored.space : opts.spaceFile ? await loadSearchSpace(opts.spaceFile) : DEFAULT_SPACE;
  if (opts.trials !== undefined) {
    if (!Number.isInteger(opts.trials) || opts.trials < 1) throw new UserError(`argument --trials: must be a positive integer (got ${opts.trials})`);
    space = { ...space, budget: { ...space.budget, trials: opts.trials } };
  }
  const study = checkStudyName(opts.study ?? (opts.spaceFile ? basename(opts.spaceFile, extname(opts.spaceFile)) : 'quickstart'));
  const trainer = opts.trainer ?? 'tfjs';
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1)) {
    throw new UserError(`argument --workers: must be a positive integer (got ${opts.workers})`);
  }

  // Data and backend before anything is written.
  let data = SCRIPTED_DATA;
  let backend = trainer === 'scripted' ? 'scripted' : (opts.backend ?? 'auto');
  let backendReason = 'scripted trainer';
  if (trainer === 'tfjs') {
    data = await loadSpaceData(space, spaceFile);
    // Resolve `auto` once here so every worker uses the same backend, and say which and why.
    const { initBackend } = await import('../train/index.js');
    const init = await initBackend(backend as never);
    backend = init.name;
    backendReason = init.reason;
  }

  const workers = opts.workers ?? space.budget.workers ?? (await import('../pool/runner.js')).defaultWorkers(backend);
  const isolation = opts.isolation ?? (backend === 'tensorflow' ? 'process' : 'thread');
  if (!ISOLATIONS.includes(isolation)) throw new UserError(`argument --isolation: must be thread or process (got ${JSON.stringify(isolation)})`);

  const studyDir = resolve(opts.runsDir ?? 'runs', study);
  await mkdir(studyDir, { recursive: true });
  const remote = opts.redis ? await (await import('./remote.js')).openRedisStudy(opts.redis, study, opts.log) : null;
  let leaseLost = false;
  const lock = remote ? null : await acquireStudyLock(studyDir);
  let runner: TrialRunner | null = null;
  try {
    // Half-written files of a driver killed in the middle of a write (we hold the lock: nobody else writes here).
    await removeWriteLeftovers(studyDir);
    const store = remote?.store ?? new LowdbTrialStore(studyDir);
    const existing = await store.getStudy();
    if (existing) {
      if (existing.dataFingerprint !== data.fingerprint) {
        throw new UserError(
          `study ${study} was made on other data (${existing.dataSource}, fingerprint ${existing.dataFingerprint}); ` +
            `this run has ${data.source} (${data.fingerprint}): use another --study`,
        );
      }
    } else {
      await store.createStudy({
        name: study,
        createdAt: new Date().toISOString(),
        spaceFile,
        space,
        direction: space.objective.direction,
        dataSource: data.source,
        dataFingerprint: data.fingerprint,
      });
    }
    const readStudy = async () => {
      const record = await store.getStudy();
      if (!record) throw new Error(`study ${study} is gone from its store`);
      return record;
    };
    opts.onStart?.({ study, studyDir, space, spaceFile, data, workers, isolation, backend, backendReason, resumed: existing?.trials ?? [], readStudy });
    const heap = space.budget.workerHeapMb ? { maxOldGenerationSizeMb: space.budget.workerHeapMb } : {};
    if (opts.makeRunner) runner = await opts.makeRunner(data, workers);
    else if (remote) {
      const { BullmqRunner } = await import('../pool/bullmq-runner.js');
      runner = await BullmqRunner.open({ url: opts.redis!, study, concurrency: workers, runId: remote.lease.runId, ...(opts.log ? { log: opts.log } : {}) });
    } else if (isolation === 'process') {
      const { ProcessRunner } = await import('../pool/process-runner.js');
      runner = new ProcessRunner({ data, workers, ...heap });
    } else {
      const { ThreadRunner } = await import('../pool/runner.js');
      runner = new ThreadRunner({ data, workers, ...heap });
    }
    const trialRunner = runner;
    const run = (fixed?: FixedTrialConfig[]) =>
      optimize({
      store,
      space,
      sampler: createSampler(space.sampler),
      pruner: createPruner(space.pruner),
      runner: trialRunner,
      studyDir,
      trainer,
      backend,
      // Checkpoints: files under runs/<study>/checkpoints/ for a local pool; in Redis for remote workers.
      checkpoints: remote ? new RedisCheckpoints(remote.store.redis, studyPrefix(study)) : new FileCheckpoints(studyDir),
      ...(opts.stopSignal ? { stopSignal: opts.stopSignal } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(fixed ? { fixed } : {}),
    });
    const phase = async (fixed?: FixedTrialConfig[]): Promise<OptimizeSummary> => {
      const optimizing = run(fixed);
      if (!remote) return optimizing;
      // Losing the lease stops this driver: another one may own the study now, so nothing more is
      // written (the store refuses), and the loop's own ending (its trials fail on the fenced store
      // when the runner closes) is of no interest: the study resumes from Redis.
      const lost = remote.lease.lost.catch((err: Error) => {
        leaseLost = true;
        remote.store.fence(err);
        optimizing.catch(() => undefined);
        throw err;
      });
      return Promise.race([optimizing, lost]);
    };
    // The search (not for `refit`), then the refit, through the same loop, runner and checkpoints.
    let summary: OptimizeSummary | null = opts.refitOnly ? null : await phase();
    // Given fields over the space's section; `refit` alone defaults to the best trial at its best epoch.
    const refit: RefitRequest | null =
      opts.refit || space.refit || opts.refitOnly ? { top: opts.refit?.top ?? space.refit?.top ?? 1, epochs: opts.refit?.epochs ?? space.refit?.epochs ?? 'auto' } : null;
    if (refit && !summary?.failed && !opts.stopSignal?.aborted) {
      const plan = planRefit(await store.listTrials(), space, refit);
      if (plan.length === 0 && opts.refitOnly) throw new UserError(`study ${study}: no complete search trial to refit`);
      opts.onRefit?.(plan);
      const refitted = await phase(plan);
      summary = { reason: summary ? `${summary.reason}; ${refitted.reason}` : refitted.reason, trials: refitted.trials, failed: refitted.failed };
    }
    if (!summary) summary = { reason: 'stopped by the user', trials: await store.listTrials(), failed: false };
    if (remote) await (await import('./remote.js')).writeStudySnapshot(studyDir, (await store.getStudy())!);
    return { ...summary, study, studyDir };
  } finally {
    if (leaseLost) {
      // Redis may be gone: drop the connections first, so that nothing waits for it. The live report is
      // ended without waiting: its last read of the study may never settle without Redis, and nothing of
      // it matters to a driver that stops here (the study resumes from Redis).
      await runner?.close();
      await remote?.close(true);
      void Promise.resolve()
        .then(() => opts.onEnd?.())
        .catch(() => undefined);
    } else {
      await opts.onEnd?.();
      await runner?.close();
      await remote?.close();
    }
    await lock?.release();
  }
}
