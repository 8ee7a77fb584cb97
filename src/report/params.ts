/** What the reports know about each searched parameter: its kind and whether it is log-scaled. */
import type { FrozenTrial, ParamValue } from '../core/types.js';

export interface ParamInfo {
  name: string;
  /** `numeric` when every sampled value is a finite number, else `categorical`. */
  kind: 'numeric' | 'categorical';
  /** Log-scaled (from the search space when it says so, else guessed from a positive range >= 100x). */
  log: boolean;
  /** Distinct sampled values, sorted (numbers ascending, others in first-appearance order). */
  values: ParamValue[];
}

/** Looks for `{ <name>: { log: true } }`, `scale: 'log'` or a log-ish `type`/`distribution` anywhere in the space. */
function spaceSaysLog(space: unknown, name: string, depth = 0): boolean | null {
  if (space === null || typeof space !== 'object' || depth > 6) return null;
  if (Array.isArray(space)) {
    for (const item of space) {
      if (item && typeof item === 'object' && (item as Record<string, unknown>).name === name) {
        const r = logFlag(item as Record<string, unknown>);
        if (r !== null) return r;
      }
      const r = spaceSaysLog(item, name, depth + 1);
      if (r !== null) return r;
    }
    return null;
  }
  const obj = space as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(obj, name)) {
    const def = obj[name];
    if (def && typeof def === 'object' && !Array.isArray(def)) {
      const r = logFlag(def as Record<string, unknown>);
      if (r !== null) return r;
    }
  }
  for (const v of Object.values(obj)) {
    const r = spaceSaysLog(v, name, depth + 1);
    if (r !== null) return r;
  }
  return null;
}

function logFlag(def: Record<string, unknown>): boolean | null {
  if (typeof def.log === 'boolean') return def.log;
  if (typeof def.scale === 'string') return def.scale.toLowerCase() === 'log';
  for (const key of ['type', 'distribution', 'dist']) {
    const t = def[key];
    if (typeof t === 'string' && /log/i.test(t)) return true;
  }
  return null;
}

/** Describes every param that appears in `trials`, in first-appearance order. */
export function describeParams(trials: FrozenTrial[], space?: unknown): ParamInfo[] {
  const byName = new Map<string, ParamValue[]>();
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.params)) {
      let list = byName.get(k);
      if (!list) byName.set(k, (list = []));
      list.push(v);
    }
  }
  const out: ParamInfo[] = [];
  for (const [name, all] of byName) {
    const numeric = all.every((v) => typeof v === 'number' && Number.isFinite(v));
    const distinct: ParamValue[] = [];
    for (const v of all) if (!distinct.some((d) => Object.is(d, v))) distinct.push(v);
    if (numeric) (distinct as number[]).sort((a, b) => a - b);
    let log = false;
    if (numeric) {
      const nums = distinct as number[];
      const fromSpace = spaceSaysLog(space, name);
      const positive = nums.length > 0 && nums[0]! > 0;
      log = positive && (fromSpace ?? (nums.length > 1 && nums[nums.length - 1]! / nums[0]! >= 100));
    }
    out.push({ name, kind: numeric ? 'numeric' : 'categorical', log, values: distinct });
  }
  return out;
}

/**
 * The position of `v` on a 0..1 axis for `info`: numbers min-max scaled (log10 first when log),
 * categories evenly spaced in order. Missing values give null.
 */
export function normalizeParam(info: ParamInfo, v: ParamValue | undefined): number | null {
  if (v === undefined) return null;
  if (info.kind === 'categorical') {
    const i = info.values.findIndex((d) => Object.is(d, v));
    if (i < 0) return null;
    return info.values.length === 1 ? 0.5 : i / (info.values.length - 1);
  }
  if (typeof v !== 'number') return null;
  const f = (x: number): number => (info.log ? Math.log10(x) : x);
  const lo = f(info.values[0] as number);
  const hi = f(info.values[info.values.length - 1] as number);
  return hi === lo ? 0.5 : (f(v) - lo) / (hi - lo);
}
