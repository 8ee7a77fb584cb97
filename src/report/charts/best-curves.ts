/** The best trial's accuracy and loss per epoch, train vs validation (the notebook's two plots). */
import type { TopLevelSpec } from 'vega-lite';
import type { FrozenTrial } from '../../core/types.js';
import { HEIGHT, WIDTH } from './common.js';

function curveSpec(trial: FrozenTrial, metric: 'accuracy' | 'loss', size: { width: number; height: number }): TopLevelSpec {
  const rows: Array<{ epoch: number; series: string; v: number }> = [];
  for (const e of trial.epochs) {
    const tr = metric === 'accuracy' ? e.trainAcc : e.trainLoss;
    const va = metric === 'accuracy' ? e.valAcc : e.valLoss;
    if (Number.isFinite(tr)) rows.push({ epoch: e.epoch, series: 'train', v: tr });
    if (Number.isFinite(va)) rows.push({ epoch: e.epoch, series: 'validation', v: va });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Best trial #${trial.number}: ${metric} per epoch`, subtitle: 'train vs validation' },
    width: size.width,
    height: size.height,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: {
        field: 'v',
        type: 'quantitative',
        title: metric,
        scale: { zero: false },
        ...(metric === 'accuracy' ? { axis: { format: '.1%' } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] } },
    },
  } as TopLevelSpec;
}

export function bestAccuracySpec(trial: FrozenTrial, size = { width: WIDTH, height: HEIGHT }): TopLevelSpec {
  return curveSpec(trial, 'accuracy', size);
}

export function bestLossSpec(trial: FrozenTrial, size = { width: WIDTH, height: HEIGHT }): TopLevelSpec {
  return curveSpec(trial, 'loss', size);
}
