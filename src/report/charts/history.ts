/** Optimization history: each scored trial's value by trial number, and the best value so far. */
import type { TopLevelSpec } from 'vega-lite';
import type { StudyRecord } from '../../core/types.js';
import { HEIGHT, WIDTH, stateColor } from './common.js';

export function optimizationHistorySpec(study: Pick<StudyRecord, 'trials' | 'direction'>): TopLevelSpec {
  const scored = study.trials
    .filter((t) => (t.state === 'complete' || t.state === 'pruned') && t.value !== null && Number.isFinite(t.value))
    .sort((a, b) => a.number - b.number);
  const points = scored.map((t) => ({ trial: t.number, value: t.value as number, state: t.state }));
  const best: Array<{ trial: number; best: number }> = [];
  let cur: number | null = null;
  for (const t of scored) {
    if (t.state !== 'complete') continue;
    const v = t.value as number;
    if (cur === null || (study.direction === 'maximize' ? v > cur : v < cur)) cur = v;
    best.push({ trial: t.number, best: cur });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Optimization history', subtitle: `objective value per trial (${study.direction}); line: best complete trial so far` },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: best },
        mark: { type: 'line', interpolate: 'step-after', color: '#2ca02c', strokeWidth: 2 },
        encoding: {
          x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'best', type: 'quantitative', title: 'objective value', scale: { zero: false } },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: 'objective value', scale: { zero: false } },
          color: stateColor,
        },
      },
    ],
  } as TopLevelSpec;
}
