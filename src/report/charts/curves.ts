/** Every trial's validation accuracy per epoch; pruned trials end where they were stopped. */
import type { TopLevelSpec } from 'vega-lite';
import type { StudyRecord } from '../../core/types.js';
import { HEIGHT, WIDTH, stateColor } from './common.js';

export function validationCurvesSpec(study: Pick<StudyRecord, 'trials'>): TopLevelSpec {
  const rows: Array<{ trial: number; epoch: number; valAcc: number; state: string }> = [];
  const ends: Array<{ trial: number; epoch: number; valAcc: number; state: string }> = [];
  for (const t of study.trials) {
    const eps = t.epochs.filter((e) => Number.isFinite(e.valAcc));
    for (const e of eps) rows.push({ trial: t.number, epoch: e.epoch, valAcc: e.valAcc, state: t.state });
    const last = eps[eps.length - 1];
    if (last) ends.push({ trial: t.number, epoch: last.epoch, valAcc: last.valAcc, state: t.state });
  }
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const y = { field: 'valAcc', type: 'quantitative' as const, title: 'validation accuracy', scale: { zero: false }, axis: { format: '.1%' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Validation accuracy per epoch, every trial', subtitle: 'a dot marks the last epoch a trial ran (pruned trials stop early)' },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, y, color: stateColor, detail: { field: 'trial', type: 'nominal' } },
      },
      {
        data: { values: ends },
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { x, y, color: stateColor },
      },
    ],
  } as TopLevelSpec;
}
