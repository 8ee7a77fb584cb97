import type { FrozenTrial, Params, TrialState } from '../../src/core/types.js';

/** A FrozenTrial for unit tests: value defaults to the best intermediate value (maximize). */
export function frozenTrial(
  number: number,
  opts: { state?: TrialState; params?: Params; values?: number[]; value?: number | null } = {},
): FrozenTrial {
  const values = opts.values ?? [];
  const finite = values.filter(Number.isFinite);
  return {
    number,
    state: opts.state ?? 'complete',
    params: opts.params ?? {},
    intermediateValues: values,
    epochs: [],
    value: opts.value !== undefined ? opts.value : finite.length ? Math.max(...finite) : null,
    datetimeStart: '2024-01-01T00:00:00.000Z',
    datetimeComplete: opts.state === 'running' ? null : '2024-01-01T00:01:00.000Z',
    backend: null,
    seed: number,
  };
}
