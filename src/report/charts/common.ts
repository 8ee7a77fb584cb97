/** Pieces shared by the chart specs. */
import type { TrialState } from '../../core/types.js';

export const STATE_DOMAIN: TrialState[] = ['complete', 'pruned', 'running', 'fail'];
export const STATE_RANGE = ['#1f77b4', '#ff7f0e', '#7f7f7f', '#d62728'];

/** A color encoding of the `state` field with fixed colors per trial state. */
export const stateColor = {
  field: 'state',
  type: 'nominal' as const,
  title: 'state',
  scale: { domain: STATE_DOMAIN, range: STATE_RANGE },
};

export const WIDTH = 640;
export const HEIGHT = 300;
