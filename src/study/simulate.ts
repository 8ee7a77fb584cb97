/**
 * A deterministic, virtual-time simulation of the optimize loop with W workers and the scripted
 * trainer: the same scheduling rule as the driver (trial n starts when a worker is free and every trial
 * < n - lag has finished; see view.ts), the same sampler and pruner calls. Used by the determinism
 * tests and the pruning benchmark; no real time passes (epoch durations come from the scripted
 * trainer's `seconds`).
 */
import { createPruner, type Pruner } from '../pruners/index.js';
import { mixSeed } from '../random.js';
import { createSampler, type Sampler } from '../samplers/index.js';
import { effectiveLag, type SearchSpace } from '../search-space/schema.js';
import { bestValue } from './optimize.js';
import { scriptedTrain, type ScriptedFault } from './scripted-trainer.js';
import type { EpochMetrics, FrozenTrial, TrainParams } from './types.js';
import { canStartTrial, viewForTrial } from './view.js';

export interface SimulateOptions {
  space: SearchSpace;
  workers: number;
  /** Default: createSampler(space.sampler). */
  sampler?: Sampler;
  /** Default: createPruner(space.pruner). */
  pruner?: Pruner;
  /** Default: space.budget.trials. */
  trials?: number;
  /** Default: space.fixed.epochs. */
  epochs?: number;
  /** Default: space.lag, else workers - 1. */
  lag?: number;
  fault?: ScriptedFault | null;
}

export interface SimulationResult {
  /** Final records, ordered by number. */
  trials: FrozenTrial[];
  /** Total epochs trained over all trials. */
  epochs: number;
  /** Virtual seconds from the first start to the last finish. */
  makespan: number;
  /** Virtual worker-seconds spent idle while trials were still to be started. */
  idle: number;
  /** Trial numbers in the order they were started, with their start times. */
  starts: Array<{ number: number; at: number; worker: number }>;
}

const iso = (seconds: number): string => new Date(Date.UTC(2024, 0, 1) + seconds * 1000).toISOString();

/** Runs one trial to its end (or pruning) against the fixed view `history`; returns its record and duration. */
async function runScriptedTrial(
  space: SearchSpace,
  pruner: Pruner,
  base: FrozenTrial,
  history: readonly FrozenTrial[],
  epochs: number,
  fault: ScriptedFault | null,
): Promise<{ trial: FrozenTrial; seconds: number }> {
  const { metric, direction } = space.objective;
  const params = { ...space.fixed, ...base.params } as unknown as TrainParams;
  const trial: FrozenTrial = { ...base, intermediateValues: [], epochs: [] };
  let pruned = false;
  let seconds = 0;
  try {
    await scriptedTrain(params, {
      epochs,
      seed: base.seed,
      epochDelayMs: 0,
      fault,
      onEpochEnd: (m: EpochMetrics) => {
        seconds += m.seconds;
        trial.epochs.push(m);
        trial.intermediateValues.push(m[metric]);
        pruned = pruner.prune(history, { ...trial, intermediateValues: [...trial.intermediateValues] }, direction);
        return pruned;
      },
    });
  } catch (err) {
    return { trial: { ...trial, state: 'fail', error: (err as Error).message, value: null }, seconds };
  }
  return { trial: { ...trial, state: pruned ? 'pruned' : 'complete', value: bestValue(space, trial.intermediateValues) }, seconds };
}

export async function simulateStudy(opts: SimulateOptions): Promise<SimulationResult> {
  const { space, workers } = opts;
  const sampler = opts.sampler ?? createSampler(space.sampler);
  const pruner = opts.pruner ?? createPruner(space.pruner);
  const nTrials = opts.trials ?? space.budget.trials;
  const epochs = opts.epochs ?? space.fixed.epochs;
  const lag = opts.lag ?? effectiveLag(space, workers);
  const fault = opts.fault ?? null;

  const visible: FrozenTrial[] = []; // what the driver's store holds now
  const running = new Map<number, { finishAt: number; final: FrozenTrial; worker: number }>();
  const freeWorkers = Array.from({ length: workers }, (_, i) => i);
  const starts: SimulationResult['starts'] = [];
  let now = 0;
  let next = 0;
  let exhausted = false;
  let idle = 0;
  let epochsTrained = 0;

  for (;;) {
    // Start every trial that may start now.
    while (!exhausted && next < nTrials && freeWorkers.length > 0 && canStartTrial(visible, next, lag)) {
      const view = viewForTrial(visible, next, lag);
      const params = sampler.sample({ space, trialNumber: next, history: view.history, running: view.running, seed: space.seed });
      if (params === null) {
        exhausted = true;
        break;
      }
      const base: FrozenTrial = {
        number: next,
        state: 'running',
        params,
        intermediateValues: [],
        epochs: [],
        value: null,
        datetimeStart: iso(now),
        datetimeComplete: null,
        backend: 'scripted',
        seed: mixSeed(space.seed, next),
      };
      const { trial, seconds } = await runScriptedTrial(space, pruner, base, view.history, epochs, fault);
      epochsTrained += trial.epochs.length;
      const worker = freeWorkers.shift()!;
      starts.push({ number: next, at: now, worker });
      running.set(next, { finishAt: now + seconds, final: { ...trial, datetimeComplete: iso(now + seconds) }, worker });
      visible.push(base);
      next++;
    }
    if (running.size === 0) break;
    // Advance to the next finish (ties: lowest trial number first).
    let first: number | null = null;
    for (const [n, r] of running) {
      if (first === null || r.finishAt < running.get(first)!.finishAt || (r.finishAt === running.get(first)!.finishAt && n < first)) first = n;
    }
    const done = running.get(first!)!;
    if (!exhausted && next < nTrials) idle += freeWorkers.length * (done.finishAt - now);
    now = done.finishAt;
    running.delete(first!);
    freeWorkers.push(done.worker);
    freeWorkers.sort((a, b) => a - b);
    visible[visible.findIndex((t) => t.number === first)] = done.final;
  }
  return { trials: visible.sort((a, b) => a.number - b.number), epochs: epochsTrained, makespan: now, idle, starts };
}
