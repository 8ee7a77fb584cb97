/**
 * A scripted stand-in for the real trainer: deterministic learning curves as a function of the params,
 * the epoch and the seed, for tests, simulations and the pruning benchmark. No TF.js.
 *
 * The model: the validation error rate falls from 90% towards a floor, geometrically in log space:
 *   log err(e) = log floor + (log 0.9 - log floor) * exp(-progress(e))
 *   progress(e) = sum over epochs 1..e of speed * lrDecay^(epoch-1)
 * - the floor (best reachable error) grows with the distance of log10(lr), dropout, log10(l2) and
 *   noise from a known optimum (SCRIPTED_OPTIMUM) and with strong augmentation;
 * - the speed grows with sqrt(lr) and falls with dropout and noise (regularized nets learn slower but
 *   end better: early epochs do not rank trials exactly like late ones, as in real training);
 * - seeded Gaussian noise (sd 0.1 percentage points) is added to each epoch's accuracy.
 * `seconds` is a simulated epoch duration (also deterministic); `epochDelayMs` makes the trainer
 * really wait that long per epoch.
 *
 * Fault modes (for fault tests of the driver), from `opts.fault` or the environment:
 *   DIGIT_SWEEP_SCRIPTED_FAULT="<mode>@<epoch>[:<param><op><value>]"   e.g. "throw@2", "nan@3:lr>0.005"
 *     throw: throws an Error during that epoch; nan: reports NaN losses and accuracy from that epoch;
 *     hang: never resolves (waits on a timer); spin: busy-loops forever (like a stuck native kernel);
 *     exit: calls process.exit(3) (in a pool worker: the thread dies); oom: allocates until the heap
 *     limit kills the worker (resourceLimits).
 *     The optional condition restricts the fault to trials whose param matches (ops <, >, =).
 *   DIGIT_SWEEP_SCRIPTED_DELAY_MS=<ms>   real delay per epoch (when opts.epochDelayMs is not given).
 *   DIGIT_SWEEP_SCRIPTED_EPOCH_LOG=<file>   appends "<seed> <epoch>" for every epoch trained (not for the
 *     epochs a resumed trial replays from its checkpoint): the fault tests count the epochs a kill lost.
 * Checkpoints (`opts.checkpoint`, a file): the scripted trainer saves its state (the epoch and the
 * history; its curves are a pure function of params, seed and epoch, so that is its whole RNG position)
 * after every epoch, before reporting it, and a run that finds one continues after its last epoch,
 * first reporting the checkpoint's epochs again (the driver answers those from its record).
 */
import { appendFileSync } from 'node:fs';
import type { TrialOutcome, TrialTask } from '../core/trial.js';
import { createRng, mixSeed } from '../core/random.js';
import { readCheckpointFile, writeCheckpointFile } from '../storage/checkpoint.js';
import { bestEpochOf } from '../core/objective.js';
import type { EpochMetrics, TrainParams } from '../core/types.js';

/** Where the scripted curves peak. */
export const SCRIPTED_OPTIMUM = { lr: 2e-3, dropout: 0.35, l2: 3e-5, noise: 0.05 } as const;

export type ScriptedFaultMode = 'throw' | 'nan' | 'hang' | 'spin' | 'exit' | 'oom';
export interface ScriptedFault {
  mode: ScriptedFaultMode;
  /** 1-based epoch at which the fault happens. */
  epoch: number;
  /** Only for trials whose param matches, e.g. { param: 'lr', op: '>', value: 0.005 }. */
  when?: { param: keyof TrainParams; op: '<' | '>' | '='; value: number };
}

export interface ScriptedTrainOptions {
  epochs: number;
  /** The trial's seed (noise of the curve). */
  seed: number;
  /** Called after every epoch; returning true stops training (pruned). */
  onEpochEnd(m: EpochMetrics): Promise<boolean> | boolean;
  /** Real wall-clock delay per epoch in ms (default: env DIGIT_SWEEP_SCRIPTED_DELAY_MS or 0). */
  epochDelayMs?: number;
  /** A fault to inject (default: env DIGIT_SWEEP_SCRIPTED_FAULT; null: none). */
  fault?: ScriptedFault | null;
  /** Checkpoint file: continue after its last epoch if it exists; rewritten after every epoch. */
  checkpoint?: string | null;
  /** A refit trial: no validation set, so valLoss and valAcc are NaN (the training curve is the same script). */
  refit?: boolean;
}

/** Parses "throw@2" or "nan@3:lr>0.005"; throws on a malformed spec. */
export function parseScriptedFault(spec: string): ScriptedFault {
  const m = /^(throw|nan|hang|spin|exit|oom)@(\d+)(?::(\w+)([<>=])([-+0-9.eE]+))?$/.exec(spec.trim());
  if (!m) throw new Error(`DIGIT_SWEEP_SCRIPTED_FAULT must look like "throw@2" or "nan@3:lr>0.005", got ${JSON.stringify(spec)}`);
  const fault: ScriptedFault = { mode: m[1] as ScriptedFaultMode, epoch: Number(m[2]) };
  if (m[3]) fault.when = { param: m[3] as keyof TrainParams, op: m[4] as '<' | '>' | '=', value: Number(m[5]) };
  return fault;
}

function faultApplies(f: ScriptedFault, params: TrainParams): boolean {
  if (!f.when) return true;
  const v = params[f.when.param];
  if (typeof v !== 'number') return false;
  return f.when.op === '<' ? v < f.when.value : f.when.op === '>' ? v > f.when.value : v === f.when.value;
}

/** Stable 32-bit hash of the params (order-independent). */
function hashParams(p: TrainParams): number {
  const parts = Object.keys(p)
    .sort()
    .map((k) => `${k}=${(p as unknown as Record<string, number>)[k]}`);
  let h = 0x811c9dc5;
  for (const ch of parts.join(',')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** The best reachable validation error rate for these params (no noise). */
export function scriptedErrorFloor(p: TrainParams): number {
  const o = SCRIPTED_OPTIMUM;
  const dLr = Math.log10(p.lr) - Math.log10(o.lr);
  const dDrop = p.dropout - o.dropout;
  const dL2 = Math.log10(p.l2 + 1e-7) - Math.log10(o.l2);
  const dNoise = p.noise - o.noise;
  const aug = Math.max(0, p.rotation - 15) / 15 + Math.max(0, p.zoom - 0.15) * 4 + Math.max(0, p.shift - 0.15) * 4;
  // log-error penalty: quadratic bowls around the optimum; lr matters most.
  const penalty = 0.9 * dLr * dLr + 6 * dDrop * dDrop + 0.08 * dL2 * dL2 + 20 * dNoise * dNoise + aug;
  return Math.min(0.5, 0.004 * Math.exp(penalty));
}

/** Learning speed per epoch at the initial lr. */
export function scriptedSpeed(p: TrainParams): number {
  const s = 1.8 * Math.sqrt(p.lr / 1e-3) * (1 - 0.6 * p.dropout) * (1 - 1.5 * Math.min(p.noise, 0.3));
  return Math.min(Math.max(s, 0.02), 6);
}

/** The noiseless accuracy curve value at epoch e (1-based). */
export function scriptedAccuracy(p: TrainParams, epoch: number): number {
  const floor = scriptedErrorFloor(p);
  const speed = scriptedSpeed(p);
  let progress = 0;
  for (let e = 1; e <= epoch; e++) progress += speed * p.lrDecay ** (e - 1);
  const logErr = Math.log(floor) + (Math.log(0.9) - Math.log(floor)) * Math.exp(-progress);
  return 1 - Math.exp(logErr);
}

/** Simulated seconds of one epoch (more dropout/augmentation = a bit slower; varies per trial). */
export function scriptedEpochSeconds(p: TrainParams, seed: number): number {
  const jitter = createRng(mixSeed(seed, hashParams(p), 0x5ec)).next();
  return 10 * (1 + 0.5 * p.dropout + 0.02 * p.rotation) * (0.7 + 0.6 * jitter);
}

/** The metrics the scripted trainer reports for epoch e. */
export function scriptedEpochMetrics(p: TrainParams, epoch: number, seed: number): EpochMetrics {
  const rng = createRng(mixSeed(seed, hashParams(p), epoch));
  const acc = Math.min(0.9999, Math.max(0.05, scriptedAccuracy(p, epoch) + 0.001 * rng.normal()));
  const err = 1 - acc;
  const trainAcc = Math.min(0.9999, 1 - err * (0.8 + 0.4 * p.dropout + 2 * p.noise));
  return {
    epoch,
    trainLoss: 1.5 * (1 - trainAcc) + 0.01,
    trainAcc,
    valLoss: 1.5 * err + 0.01 + 0.0005 * Math.abs(rng.normal()),
    valAcc: acc,
    lr: p.lr * p.lrDecay ** (epoch - 1),
    seconds: scriptedEpochSeconds(p, seed),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Trains on a script: same signature shape as the real trainer. */
export async function scriptedTrain(params: TrainParams, opts: ScriptedTrainOptions): Promise<{ history: EpochMetrics[]; resumedAt: number }> {
  const envFault = process.env.DIGIT_SWEEP_SCRIPTED_FAULT;
  const fault = opts.fault !== undefined ? opts.fault : envFault ? parseScriptedFault(envFault) : null;
  const active = fault && faultApplies(fault, params) ? fault : null;
  const delay = opts.epochDelayMs ?? Number(process.env.DIGIT_SWEEP_SCRIPTED_DELAY_MS ?? 0);
  const history: EpochMetrics[] = [];
  const epochLog = process.env.DIGIT_SWEEP_SCRIPTED_EPOCH_LOG;
  const saved = opts.checkpoint ? await readCheckpointFile(opts.checkpoint) : null;
  if (saved) {
    for (const m of saved.history) {
      history.push(m);
      if (await opts.onEpochEnd(m)) return { history, resumedAt: saved.epoch + 1 };
    }
  }
  for (let epoch = (saved?.epoch ?? 0) + 1; epoch <= opts.epochs; epoch++) {
    if (delay > 0) await sleep(delay);
    if (active && epoch === active.epoch) {
      if (active.mode === 'throw') throw new Error(`scripted fault: training failed at epoch ${epoch}`);
      if (active.mode === 'hang') {
        await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
      }
      if (active.mode === 'spin') for (;;) Math.sqrt(epoch);
      if (active.mode === 'exit') process.exit(3);
      if (active.mode === 'oom') {
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array<number>(1 << 16).fill(epoch));
      }
    }
    let m = scriptedEpochMetrics(params, epoch, opts.seed);
    if (opts.refit) m = { ...m, valLoss: NaN, valAcc: NaN };
    if (active && active.mode === 'nan' && epoch >= active.epoch) {
      m = { ...m, trainLoss: NaN, valLoss: NaN, trainAcc: NaN, valAcc: NaN };
    }
    history.push(m);
    if (epochLog) appendFileSync(epochLog, `${opts.seed} ${epoch}\n`);
    if (opts.checkpoint) await writeCheckpointFile(opts.checkpoint, { epoch, history, state: { trainer: 'scripted' }, arrays: [] });
    if (await opts.onEpochEnd(m)) break;
  }
  return { history, resumedAt: (saved?.epoch ?? 0) + 1 };
}

/** One trial of the scripted trainer kind, as a pool worker (or the virtual-clock runner) runs it. */
export async function runScriptedTrial(
  task: TrialTask,
  onEpochEnd: (m: EpochMetrics) => Promise<boolean>,
  opts: { epochDelayMs?: number; fault?: ScriptedFault | null } = {},
): Promise<TrialOutcome> {
  const result = await scriptedTrain(task.params, { epochs: task.epochs, seed: task.seed, onEpochEnd, checkpoint: task.checkpoint, refit: task.refit === true, ...opts });
  return {
    history: result.history,
    stopped: result.history.length < task.epochs,
    // A refit keeps its last epoch (no validation to choose by).
    bestEpoch: task.refit ? result.history.length : bestEpochOf(result.history, task.objective),
    resumedAt: result.resumedAt,
    backend: 'scripted',
    backendInfo: {},
  };
}
