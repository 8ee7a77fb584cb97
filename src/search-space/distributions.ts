/** Helpers over one parameter's distribution, shared by the samplers. */
import type { ParamValue } from '../core/types.js';
import type { Distribution } from './schema.js';

/** Rounds `v` to the grid low + k*step inside [low, high] (with float noise removed). */
export function snapToStep(v: number, low: number, high: number, step: number): number {
  const k = Math.round((v - low) / step);
  const kMax = Math.round((high - low) / step);
  const snapped = low + Math.min(Math.max(k, 0), kMax) * step;
  return Number(snapped.toPrecision(12));
}

/** Every value of a discrete distribution (int, float with step, categorical); [] for a continuous one. */
export function gridValues(d: Distribution): ParamValue[] {
  if (d.type === 'categorical') return [...d.choices];
  if (d.step === null) return [];
  const n = Math.round((d.high - d.low) / d.step);
  const out: number[] = [];
  for (let k = 0; k <= n; k++) out.push(Number((d.low + k * d.step).toPrecision(12)));
  return out;
}

/** Whether `v` is a value the distribution can produce. */
export function contains(d: Distribution, v: ParamValue): boolean {
  if (d.type === 'categorical') return d.choices.some((c) => c === v);
  if (typeof v !== 'number' || v < d.low || v > d.high) return false;
  if (d.type === 'int' && !Number.isInteger(v)) return false;
  if (d.step !== null) return Math.abs(snapToStep(v, d.low, d.high, d.step) - v) < 1e-9 * Math.max(1, Math.abs(v));
  return true;
}
