/** Parameter importance bars (see ../importance.ts for the method). */
import type { TopLevelSpec } from 'vega-lite';
import type { ImportanceResult } from '../importance.js';
import { WIDTH } from './common.js';

export function importanceSpec(result: ImportanceResult): TopLevelSpec {
  const rows = result.importances.map((p) => ({ param: p.name, importance: p.importance, label: `η² ${p.eta2.toFixed(2)}` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Parameter importance (fANOVA-like, η² of binned marginal means)',
      subtitle: `${result.trialsUsed} ${result.states.join('/')} trial(s)${result.note ? `: ${result.note}` : ''}`,
    },
    width: WIDTH - 120,
    height: { step: 26 },
    data: { values: rows },
    encoding: {
      y: { field: 'param', type: 'nominal', title: null, scale: { domain: rows.map((r) => r.param) }, axis: { labelLimit: 200 } },
      x: { field: 'importance', type: 'quantitative', title: 'share of explained variance', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
        encoding: { text: { field: 'label', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}
