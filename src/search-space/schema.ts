/**
 * The zod schema of a search-space file and the typed `SearchSpace` it validates into.
 * Structure only (types, required keys, ranges of single numbers); checks that relate several values
 * (low < high, log needs low > 0, trainer-param ranges) live in validate.ts.
 */
import { z } from 'zod';
import { EXPORT_OPTIONS, MODEL_CHOICES } from '../core/export-options.js';
import { mapTrainParams, THREADS, type ChoiceParamSpec, type TrainParamName, type TrainParamSpec, type TRAIN_PARAMS } from '../core/train-params.js';

/** zod 4 numbers are finite: NaN and Infinity are rejected. */
const finite = () => z.number();
const posInt = () => z.number().int().positive();
const nonNegInt = () => z.number().int().nonnegative();
const posNum = () => z.number().positive();

export const floatDistributionSchema = z.strictObject({
  type: z.literal('float'),
  low: finite(),
  high: finite(),
  log: z.boolean().default(false),
  step: posNum().nullable().default(null),
});

export const intDistributionSchema = z.strictObject({
  type: z.literal('int'),
  low: z.number().int(),
  high: z.number().int(),
  step: posInt().default(1),
  log: z.boolean().default(false),
});

const choiceSchema = z.union([finite(), z.string(), z.boolean()]);
export const categoricalDistributionSchema = z.strictObject({
  type: z.literal('categorical'),
  choices: z.array(choiceSchema).min(1),
});

export const distributionSchema = z.discriminatedUnion('type', [
  floatDistributionSchema,
  intDistributionSchema,
  categoricalDistributionSchema,
]);

type ParamSchema<S> = S extends ChoiceParamSpec<infer C> ? z.ZodDefault<z.ZodEnum<{ [k in C]: k }>> : z.ZodDefault<z.ZodNumber>;
/** The zod schema of one trainer param: one of its choices, or a number (whole for integer params; ranges in validate.ts). */
function paramSchema(p: TrainParamSpec): z.ZodDefault<z.ZodEnum> | z.ZodDefault<z.ZodNumber> {
  if (p.kind === 'choice') return z.enum(p.choices as [string, ...string[]]).default(p.default);
  return (p.integer ? nonNegInt() : finite()).default(p.default);
}
const trainParamSchemas = mapTrainParams(paramSchema) as { [K in TrainParamName]: ParamSchema<(typeof TRAIN_PARAMS)[K]> };

/** The trainer's params (declared in core/train-params.ts, ranges checked in validate.ts) and the run settings. */
export const fixedSchema = z.strictObject({
  ...trainParamSchemas,
  /** A run setting (core/train-params.ts THREADS); unset: defaultThreads where the trials run. */
  threads: z.number().int().min(THREADS.min).max(THREADS.max).optional(),
});

export const objectiveSchema = z.strictObject({
  metric: z.enum(['valAcc', 'valLoss']).default('valAcc'),
  direction: z.enum(['maximize', 'minimize']).default('maximize'),
});

export const budgetSchema = z.strictObject({
  /** Number of trials of the sweep (failed and pruned trials count). */
  trials: posInt().default(20),
  /** Total epochs trained over all trials; no new trial starts once they are spent. */
  maxEpochs: posInt().optional(),
  /** Wall-clock budget of the sweep; no new trial starts after it. */
  maxWallMinutes: posNum().optional(),
  /** Parallel training workers; default: what fits the backend (one per core on wasm, one per GPU). */
  workers: posInt().optional(),
  /** A trial running longer is stopped and marked failed. */
  trialTimeoutMinutes: posNum().optional(),
  /** The sweep stops after this many failed trials in a row. */
  maxConsecutiveFailures: posInt().default(5),
  /** Heap limit of each worker thread (MB): a trial that needs more fails instead of taking the driver down. */
  workerHeapMb: posInt().optional(),
});

export const tpeSamplerSchema = z.strictObject({
  type: z.literal('tpe'),
  nStartupTrials: nonNegInt().default(10),
  nEiCandidates: posInt().default(24),
  constantLiar: z.boolean().default(true),
  priorWeight: posNum().default(1),
  /** Clip kernel widths below range / min(100, n + 2) (Optuna). Default: true univariate, false multivariate. */
  considerMagicClip: z.boolean().optional(),
  considerEndpoints: z.boolean().default(false),
  /**
   * Joint Parzen estimators over all params (Optuna's multivariate=True) instead of one per param. The
   * default since it beats Optuna 3.1.0 on `npm run bench:search` and the univariate one does not; a
   * study keeps the sampler it was created with (study/recorded-sampler.ts).
   */
  multivariate: z.boolean().default(true),
});
export const randomSamplerSchema = z.strictObject({ type: z.literal('random') });
export const gridSamplerSchema = z.strictObject({
  type: z.literal('grid'),
  /** Explicit values per param; needed for a float param without `step`. */
  grid: z.record(z.string(), z.array(choiceSchema).min(1)).optional(),
});
export const samplerSchema = z.discriminatedUnion('type', [tpeSamplerSchema, randomSamplerSchema, gridSamplerSchema]);

export const patienceSchema = z.strictObject({
  patience: nonNegInt(),
  minDelta: z.number().nonnegative().default(0),
});
export const nopPrunerSchema = z.strictObject({ type: z.literal('none'), patience: patienceSchema.optional() });
const warmupFields = {
  nWarmupSteps: nonNegInt().default(0),
  intervalSteps: posInt().default(1),
};
const percentileFields = {
  nStartupTrials: nonNegInt().default(5),
  ...warmupFields,
  nMinTrials: posInt().default(1),
  patience: patienceSchema.optional(),
};
export const medianPrunerSchema = z.strictObject({ type: z.literal('median'), ...percentileFields });
export const percentilePrunerSchema = z.strictObject({
  type: z.literal('percentile'),
  /** Keep trials in the best `percentile` % at the step (Optuna's meaning); 50 is the median pruner. */
  percentile: z.number().min(0).max(100),
  ...percentileFields,
});
export const thresholdPrunerSchema = z.strictObject({
  type: z.literal('threshold'),
  /** Prune when the step's value is below `lower` or above `upper` (at least one of them). */
  lower: finite().optional(),
  upper: finite().optional(),
  ...warmupFields,
  patience: patienceSchema.optional(),
});
const resourceOrAuto = (dflt: number | 'auto') => z.union([posInt(), z.literal('auto')]).default(dflt);
// Defaults chosen with `npm run bench:pruning -- --grid` (see src/bench/pruning.ts).
const halvingFields = {
  minResource: resourceOrAuto(2),
  reductionFactor: z.number().int().min(2).default(2),
  minEarlyStoppingRate: nonNegInt().default(0),
  bootstrapCount: nonNegInt().default(0),
  patience: patienceSchema.optional(),
};
export const successiveHalvingPrunerSchema = z.strictObject({ type: z.literal('successive-halving'), ...halvingFields });
export const ashaPrunerSchema = z.strictObject({ type: z.literal('asha'), ...halvingFields });
// Optuna's HyperbandPruner defaults.
export const hyperbandPrunerSchema = z.strictObject({
  type: z.literal('hyperband'),
  minResource: posInt().default(1),
  maxResource: resourceOrAuto('auto'),
  reductionFactor: z.number().int().min(2).default(3),
  bootstrapCount: nonNegInt().default(0),
  patience: patienceSchema.optional(),
});
export const prunerSchema = z.discriminatedUnion('type', [
  nopPrunerSchema,
  medianPrunerSchema,
  percentilePrunerSchema,
  thresholdPrunerSchema,
  successiveHalvingPrunerSchema,
  ashaPrunerSchema,
  hyperbandPrunerSchema,
]);

export const dataSchema = z.strictObject({
  source: z.enum(['mnist', 'kaggle']).default('mnist'),
  /** Folder of Kaggle's train.csv/test.csv (source kaggle). */
  dir: z.string().min(1).optional(),
  /** Use only the first `limit` labeled images (before the train/validation split). */
  limit: posInt().optional(),
  valFraction: z.number().gt(0).lt(1).default(0.1),
});

/**
 * After the search, retrain the `top` best complete search trials' configurations on the whole labeled
 * set (no validation hold-out), as trials of kind `refit` (study/refit.ts). `epochs`: `auto` = the
 * source trial's best epoch (the same number of passes over the larger set), or a number for all.
 */
export const refitSchema = z.strictObject({
  top: posInt().default(1),
  epochs: z.union([posInt(), z.literal('auto')]).default('auto'),
  /** A refit trial running longer is stopped and marked failed (default: no limit). */
  trialTimeoutMinutes: posNum().optional(),
});

/**
 * How `sweep` writes the submission at its end, and what `export NAME` does without flags (the options
 * of core/export-options.ts; flags given to `export` override them). Absent: `sweep` exports nothing.
 */
export const exportSchema = z.strictObject({
  top: posInt().default(EXPORT_OPTIONS.top.default),
  tta: z.boolean().default(EXPORT_OPTIONS.tta.default),
  models: z.enum(MODEL_CHOICES).default(EXPORT_OPTIONS.models.default),
});

export const searchSpaceSchema = z.strictObject({
  params: z.record(z.string(), distributionSchema).default({}),
  fixed: fixedSchema.default(() => fixedSchema.parse({})),
  objective: objectiveSchema.default(() => objectiveSchema.parse({})),
  budget: budgetSchema.default(() => budgetSchema.parse({})),
  sampler: samplerSchema.default(() => tpeSamplerSchema.parse({ type: 'tpe' })),
  pruner: prunerSchema.default(() => medianPrunerSchema.parse({ type: 'median' })),
  seed: z.number().int().nonnegative().default(42),
  /** Trial n sees the finished trials < n - lag (study/view.ts). Unset: workers - 1 (effectiveLag). */
  lag: nonNegInt().optional(),
  /** Parameter sets the first trials run, in order, before the sampler proposes any (Optuna's enqueue_trial). */
  enqueue: z.array(z.record(z.string(), choiceSchema)).default([]),
  data: dataSchema.default(() => dataSchema.parse({})),
  keepModels: nonNegInt().default(3),
  /** Absent: `sweep` does not refit (`digit-sweep refit NAME` still can). */
  refit: refitSchema.optional(),
  export: exportSchema.optional(),
});

export type FloatDistribution = z.output<typeof floatDistributionSchema>;
export type IntDistribution = z.output<typeof intDistributionSchema>;
export type CategoricalDistribution = z.output<typeof categoricalDistributionSchema>;
export type Distribution = z.output<typeof distributionSchema>;
export type FixedSettings = z.output<typeof fixedSchema>;
export type Objective = z.output<typeof objectiveSchema>;
export type Budget = z.output<typeof budgetSchema>;
export type TpeSamplerConfig = z.output<typeof tpeSamplerSchema>;
export type RandomSamplerConfig = z.output<typeof randomSamplerSchema>;
export type GridSamplerConfig = z.output<typeof gridSamplerSchema>;
export type SamplerConfig = z.output<typeof samplerSchema>;
export type PatienceConfig = z.output<typeof patienceSchema>;
export type MedianPrunerConfig = z.output<typeof medianPrunerSchema>;
export type SuccessiveHalvingPrunerConfig = z.output<typeof successiveHalvingPrunerSchema> | z.output<typeof ashaPrunerSchema>;
export type PercentilePrunerConfig = z.output<typeof percentilePrunerSchema>;
export type ThresholdPrunerConfig = z.output<typeof thresholdPrunerSchema>;
export type HyperbandPrunerConfig = z.output<typeof hyperbandPrunerSchema>;
export type PrunerConfig = z.output<typeof prunerSchema>;
export type DataConfig = z.output<typeof dataSchema>;
export type RefitConfig = z.output<typeof refitSchema>;
export type ExportConfig = z.output<typeof exportSchema>;
/** A validated search space: every default filled in. */
export type SearchSpace = z.output<typeof searchSpaceSchema>;
/** What a file may contain (every section optional). */
export type SearchSpaceInput = z.input<typeof searchSpaceSchema>;

/** The lag a sweep with `workers` parallel trials uses: the space's `lag`, else workers - 1 (study/view.ts). */
export function effectiveLag(space: Pick<SearchSpace, 'lag'>, workers: number): number {
  return space.lag ?? Math.max(0, workers - 1);
}
