/**
 * The trainer's hyperparameters, declared once: name, default (the seed notebook's settings), valid
 * range or choices, and meaning. The TrainParams type, the search space's `fixed` schema and defaults
 * (search-space/schema.ts), the range check of a value (`checkRange`, used by search-space/validate.ts
 * and commands/train.ts) and the `digit-sweep train` options (commands/train.ts) are all derived from
 * this table.
 */
import { describeBadValue, UserError } from './errors.js';

/** A numeric parameter: a float, or a whole number when `integer`. */
export interface NumberParamSpec {
  kind: 'number';
  default: number;
  min: number;
  minInclusive: boolean;
  max: number;
  maxInclusive: boolean;
  /** Whole numbers only. */
  integer: boolean;
  /** One line for --help and docs. */
  describe: string;
}

/** A parameter that takes one of a few names (searched with a categorical distribution). */
export interface ChoiceParamSpec<C extends string = string> {
  kind: 'choice';
  default: C;
  choices: readonly C[];
  /** One line for --help and docs. */
  describe: string;
}

export type TrainParamSpec = NumberParamSpec | ChoiceParamSpec;

const spec = (dflt: number, min: number, minInclusive: boolean, max: number, maxInclusive: boolean, describe: string, integer = false): NumberParamSpec => ({
  kind: 'number',
  default: dflt,
  min,
  minInclusive,
  max,
  maxInclusive,
  integer,
  describe,
});

const choice = <const C extends string>(dflt: NoInfer<C>, choices: readonly C[], describe: string): ChoiceParamSpec<C> => ({ kind: 'choice', default: dflt, choices, describe });

/** The LR schedules (formulas in train/lr-schedule.ts). */
export const LR_SCHEDULES = ['exponential', 'onecycle', 'cosine'] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];

export const TRAIN_PARAMS = {
  lr: spec(1e-3, 0, false, 10, true, 'Adam learning rate at epoch 1 (onecycle: the peak LR after warm-up)'),
  dropout: spec(0.4, 0, true, 1, false, 'dropout rate of the three Dropout layers'),
  l2: spec(0, 0, true, 1, true, 'L2 kernel regularization of every Conv2D and Dense layer'),
  noise: spec(0, 0, true, 1, true, 'std of Gaussian pixel noise added by augmentation (pixels in 0..1)'),
  lrSchedule: choice('exponential', LR_SCHEDULES, 'LR schedule over the epochs: exponential (lr * lrDecay^(e-1)), onecycle (warm-up, then cosine to the floor) or cosine'),
  lrDecay: spec(0.95, 0, false, 1, true, 'per-epoch LR decay of the exponential schedule: lr_e = lr * lrDecay^(e-1)'),
  warmupFraction: spec(0.3, 0, true, 1, false, 'onecycle: share of the epochs spent warming up from lr/divFactor to lr (PyTorch pct_start)'),
  divFactor: spec(25, 1, true, 1e6, true, 'onecycle: the warm-up starts at lr / divFactor (PyTorch div_factor)'),
  lrFloor: spec(0, 0, true, 1, false, 'onecycle and cosine: the LR anneals to lr * lrFloor at the end of training'),
  labelSmoothing: spec(0, 0, true, 1, false, 'training loss on smoothed targets y * (1 - a) + a / 10 (validation loss unsmoothed)'),
  rotation: spec(10, 0, true, 180, true, 'augmentation: random rotation range in degrees (0 = off)'),
  zoom: spec(0.1, 0, true, 1, false, 'augmentation: random zoom range as a fraction (0 = off)'),
  shift: spec(0.1, 0, true, 1, false, 'augmentation: random shift range as a fraction of the image side (0 = off)'),
  plateauPatience: spec(0, 0, true, 1000, true, 'reduce-on-plateau: epochs without val accuracy improvement before the LR is cut (0 = off)', true),
  plateauFactor: spec(0.5, 0, false, 1, false, 'reduce-on-plateau: factor the LR is multiplied by'),
  batchSize: spec(64, 1, true, 4096, true, 'training images per optimizer step', true),
  // Searched, each trial trains its own number of epochs (and its LR schedule spans them); the pruners'
  // resources are epochs, so validate.ts checks them against the fewest and the most a trial can get.
  epochs: spec(30, 1, true, 1000, true, "epochs per trial (searched: each trial's own length; the LR schedule spans it)", true),
} as const satisfies Record<string, TrainParamSpec>;

export type TrainParamName = keyof typeof TRAIN_PARAMS;

type ValueOf<S> = S extends ChoiceParamSpec<infer C> ? C : number;

/** Hyperparameters the trainer understands (see TRAIN_PARAMS). Searched params override the fixed ones by name. */
export type TrainParams = { -readonly [K in TrainParamName]: ValueOf<(typeof TRAIN_PARAMS)[K]> };

export const TRAIN_PARAM_NAMES = Object.keys(TRAIN_PARAMS) as TrainParamName[];

/** `f` applied to every declared param, keyed by name (keeps the key types). */
export function mapTrainParams<T>(f: (spec: TrainParamSpec, name: TrainParamName) => T): { [K in TrainParamName]: T } {
  return Object.fromEntries(TRAIN_PARAM_NAMES.map((n) => [n, f(TRAIN_PARAMS[n], n)])) as { [K in TrainParamName]: T };
}

export const DEFAULT_TRAIN_PARAMS: TrainParams = mapTrainParams((s) => s.default) as TrainParams;

/** The command-line flag of a param: lrDecay -> lr-decay. */
export function trainParamFlag(name: TrainParamName): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * A run setting of the trainer: fixed in a space (`fixed:`), never searched, and a `digit-sweep train`
 * flag. Unlike TRAIN_PARAMS it changes how fast a trial trains, not what it learns, so it is neither a
 * hyperparameter nor in TrainParams. Its schema (search-space/schema.ts) and flag (commands/train.ts)
 * are derived from this.
 */
export interface RunSettingSpec {
  /** Whole numbers from min to max. */
  min: number;
  max: number;
  /** One line for --help and docs. */
  describe: string;
}

/**
 * `fixed.threads` / `train --threads`: wasm threads of one trial. TF.js's threaded wasm build starts 8
 * pthread workers and caps its pool at 8 (src/train/wasm-threaded-build.ts). Unset: defaultThreads.
 */
export const THREADS: RunSettingSpec = {
  min: 1,
  max: 8,
  describe: 'wasm: threads of one trial (1: the plain SIMD build; default: the cores divided by the trials running at once)',
};

/**
 * Threads of one trial by default: the machine's cores shared by the trials that run at once (`train`
 * and a lone trial: every core; a full pool: one each), within THREADS' range.
 */
export function defaultThreads(cores: number, concurrentTrials: number): number {
  if (!(Number.isInteger(cores) && cores >= 1)) throw new RangeError(`cores must be a positive integer, got ${cores}`);
  if (!(Number.isInteger(concurrentTrials) && concurrentTrials >= 1)) {
    throw new RangeError(`concurrentTrials must be a positive integer, got ${concurrentTrials}`);
  }
  return Math.min(THREADS.max, Math.max(THREADS.min, Math.floor(cores / concurrentTrials)));
}

function bad(file: string, path: string, problem: string, value?: unknown): never {
  throw new UserError(describeBadValue(file, path, problem, value));
}

/**
 * Throws a one-line UserError unless `v` is a valid value of the trainer param `name`: a number in its
 * range, or one of its choices.
 */
export function checkRange(file: string, path: string, name: string, v: unknown): void {
  const r = (TRAIN_PARAMS as Readonly<Record<string, TrainParamSpec>>)[name]!;
  if (r.kind === 'choice') {
    if (typeof v !== 'string' || !r.choices.includes(v)) bad(file, path, `must be one of ${r.choices.join(', ')} for ${name}`, v);
    return;
  }
  if (typeof v !== 'number') bad(file, path, `must be a number for ${name}`, v);
  if (r.integer && !Number.isInteger(v)) bad(file, path, `must be an integer for ${name}`, v);
  if (r.minInclusive ? v < r.min : v <= r.min) bad(file, path, `must be ${r.minInclusive ? '>=' : '>'} ${r.min} for ${name}`, v);
  if (r.maxInclusive ? v > r.max : v >= r.max) bad(file, path, `must be ${r.maxInclusive ? '<=' : '<'} ${r.max} for ${name}`, v);
}
