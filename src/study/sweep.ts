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
// Not storage/redis.ts: Redis is loaded (./remote.js) only for a --redis sweep.
import { acquireStudyLock, FileCheckpoints, LowdbTrialStore, removeWriteLeftovers, type StudyLock, type TrialStore } from '../storage/index.js';
import { loadSpaceData, SCRIPTED_DATA } from '../data/space-data.js';
import { checkStudyName } from './names.js';
import { optimize, type OptimizeEvent, type OptimizeSummary } from './optimize.js';
import type { FixedTrialConfig } from './phases.js';
import { planRefit, type RefitRequest } from './refit.js';
import type { RedisStudy } from './remote.js';
import { resumeSampler } from './recorded-sampler.js';
import { ISOLATIONS, openRunner, type Isolation } from './runners.js';
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

/** What a sweep runs: its study, space and trainer, checked before anything is loaded or written. */
interface SweepPlan {
  study: string;
  space: SearchSpace;
  spaceFile: string;
  trainer: TrainerKind;
  /** `digit-sweep refit`: the study's own space, no search. */
  refitOnly: boolean;
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

/** The study, its space (from the space file, the stored study for `refit`, or the quickstart) and the trainer. */
async function planSweep(opts: SweepOptions): Promise<SweepPlan> {
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
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1)) {
    throw new UserError(`argument --workers: must be a positive integer (got ${opts.workers})`);
  }
  return { study, space, spaceFile, trainer: opts.trainer ?? 'tfjs', refitOnly: opts.refitOnly ?? false };
}

/** The data and the backend (before anything is written): `auto` resolved once here, so every worker uses the same one. */
async function prepareTrainer(plan: SweepPlan, backendOpt: string | undefined): Promise<{ data: Dataset; backend: string; backendReason: string }> {
  if (plan.trainer !== 'tfjs') return { data: SCRIPTED_DATA, backend: 'scripted', backendReason: 'scripted trainer' };
  const data = await loadSpaceData(plan.space, plan.spaceFile);
  const { initBackend } = await import('../train/index.js');
  const init = await initBackend((backendOpt ?? 'auto') as never);
  return { data, backend: init.name, backendReason: init.reason };
}

/** Trials at once and how they are isolated: the options, else the space, else the backend's defaults. */
async function poolSettings(opts: SweepOptions, space: SearchSpace, backend: string): Promise<{ workers: number; isolation: Isolation }> {
  const workers = opts.workers ?? space.budget.workers ?? (await import('../pool/runner.js')).defaultWorkers(backend);
  const isolation = opts.isolation ?? (backend === 'tensorflow' ? 'process' : 'thread');
  if (!ISOLATIONS.includes(isolation)) throw new UserError(`argument --isolation: must be thread or process (got ${JSON.stringify(isolation)})`);
  return { workers, isolation };
}

/** Creates the study in `store`, or checks that the existing one was made on the same data; returns the existing one. */
async function openStudy(store: TrialStore, plan: SweepPlan, data: Dataset): Promise<StudyRecord | null> {
  const existing = await store.getStudy();
  if (!existing) {
    const { study: name, spaceFile, space } = plan;
    await store.createStudy({ name, createdAt: new Date().toISOString(), spaceFile, space, direction: space.objective.direction, dataSource: data.source, dataFingerprint: data.fingerprint });
  } else if (existing.dataFingerprint !== data.fingerprint) {
    throw new UserError(
      `study ${plan.study} was made on other data (${existing.dataSource}, fingerprint ${existing.dataFingerprint}); ` +
        `this run has ${data.source} (${data.fingerprint}): use another --study`,
    );
  }
  return existing;
}

/** An open study, as the phases run on it. */
interface SweepSession {
  plan: SweepPlan;
  store: TrialStore;
  runner: TrialRunner;
  studyDir: string;
  backend: string;
  remote: RedisStudy | null;
  /** Set when the driver lease is lost (a Redis study): the teardown then waits for nothing. */
  leaseLost: boolean;
}

/**
 * One run of the optimize loop: the search, or the refit (`fixed`). A Redis study's loop races the
 * driver lease: losing it stops this driver, as another one may own the study now, so nothing more is
 * written (the store refuses), and the loop's own ending (its trials fail on the fenced store when the
 * runner closes) is of no interest: the study resumes from Redis.
 */
function runPhase(s: SweepSession, opts: SweepOptions, fixed?: FixedTrialConfig[]): Promise<OptimizeSummary> {
  const { space } = s.plan;
  const optimizing = optimize({
    store: s.store,
    space,
    sampler: createSampler(space.sampler),
    pruner: createPruner(space.pruner),
    runner: s.runner,
    studyDir: s.studyDir,
    trainer: s.plan.trainer,
    backend: s.backend,
    // Checkpoints: files under runs/<study>/checkpoints/ for a local pool; in Redis for remote workers.
    checkpoints: s.remote?.checkpoints ?? new FileCheckpoints(s.studyDir),
    ...(opts.stopSignal ? { stopSignal: opts.stopSignal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(fixed ? { fixed } : {}),
  });
  const remote = s.remote;
  if (!remote) return optimizing;
  const lost = remote.lease.lost.catch((err: Error) => {
    s.leaseLost = true;
    remote.store.fence(err);
    optimizing.catch(() => undefined);
    throw err;
  });
  return Promise.race([optimizing, lost]);
}

/** The search (not for `refit`), then the refit, through the same loop, runner and checkpoints. */
async function runPhases(s: SweepSession, opts: SweepOptions): Promise<OptimizeSummary> {
  const { space, refitOnly, study } = s.plan;
  const search = refitOnly ? null : await runPhase(s, opts);
  // Given fields over the space's section; `refit` alone defaults to the best trial at its best epoch.
  const refit: RefitRequest | null =
    opts.refit || space.refit || refitOnly ? { top: opts.refit?.top ?? space.refit?.top ?? 1, epochs: opts.refit?.epochs ?? space.refit?.epochs ?? 'auto' } : null;
  if (!refit || search?.failed || opts.stopSignal?.aborted) return search ?? { reason: 'stopped by the user', trials: await s.store.listTrials(), failed: false };
  const plan = planRefit(await s.store.listTrials(), space, refit);
  if (plan.length === 0 && refitOnly) throw new UserError(`study ${study}: no complete search trial to refit`);
  opts.onRefit?.(plan);
  const refitted = await runPhase(s, opts, plan);
  return { reason: search ? `${search.reason}; ${refitted.reason}` : refitted.reason, trials: refitted.trials, failed: refitted.failed };
}

/**
 * The end of a sweep (done, stopped or thrown): the caller's onEnd, then the runner, the Redis study and
 * the lock. After a lost lease Redis may be gone: the connections are dropped first, so that nothing
 * waits for it, and onEnd (the live report) is started without waiting: its last read of the study may
 * never settle without Redis, and nothing of it matters to a driver that stops here.
 */
async function closeSweep(opts: SweepOptions, runner: TrialRunner | null, remote: RedisStudy | null, leaseLost: boolean, lock: StudyLock | null): Promise<void> {
  if (leaseLost) {
    await runner?.close();
    await remote?.close(true);
    void Promise.resolve()
      .then(() => opts.onEnd?.())
      .catch(() => undefined); // safe: the study resumes from Redis; the live report's last write is of no use
  } else {
    await opts.onEnd?.();
    await runner?.close();
    await remote?.close();
  }
  await lock?.release();
}

export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const plan = await planSweep(opts);
  const { study, spaceFile } = plan;
  const { data, backend, backendReason } = await prepareTrainer(plan, opts.backend);
  const { workers, isolation } = await poolSettings(opts, plan.space, backend);
  const studyDir = resolve(opts.runsDir ?? 'runs', study);
  await mkdir(studyDir, { recursive: true });
  const remote = opts.redis ? await (await import('./remote.js')).openRedisStudy(opts.redis, study, opts.log) : null;
  const lock = remote ? null : await acquireStudyLock(studyDir);
  let session: SweepSession | null = null;
  let runner: TrialRunner | null = null;
  try {
    // Half-written files of a driver killed in the middle of a write (we hold the lock: nobody else writes here).
    await removeWriteLeftovers(studyDir);
    const store = remote?.store ?? new LowdbTrialStore(studyDir);
    const existing = await openStudy(store, plan, data);
    if (existing) {
      // A study resumes with the sampler it was created with (study/recorded-sampler.ts).
      const { sampler, note } = resumeSampler(existing, plan.space.sampler);
      if (note && !plan.refitOnly) opts.log?.(note);
      plan.space = { ...plan.space, sampler };
    }
    const space = plan.space;
    const readStudy = async () => {
      const record = await store.getStudy();
      if (!record) throw new Error(`study ${study} is gone from its store`);
      return record;
    };
    opts.onStart?.({ study, studyDir, space, spaceFile, data, workers, isolation, backend, backendReason, resumed: existing?.trials ?? [], readStudy });
    runner = await openRunner({
      data,
      workers,
      isolation,
      workerHeapMb: space.budget.workerHeapMb,
      makeRunner: opts.makeRunner,
      remote: remote ? { url: opts.redis!, study, runId: remote.lease.runId, log: opts.log } : undefined,
    });
    session = { plan, store, runner, studyDir, backend, remote, leaseLost: false };
    const summary = await runPhases(session, opts);
    if (remote) await (await import('./remote.js')).writeStudySnapshot(studyDir, (await store.getStudy())!);
    return { ...summary, study, studyDir };
  } finally {
    await closeSweep(opts, runner, remote, session?.leaseLost ?? false, lock);
  }
}
