/**
 * Duration per trial: a bar per trial (its epochs written beside it) up to BARS_UP_TO trials; beyond
 * that, one point per trial by trial number in a chart of fixed height (1,000 bars would make a chart
 * 18,000 px tall).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LeaderboardRow } from '../leaderboard.js';
import { HEIGHT, WIDTH, stateColor } from './common.js';

export const BARS_UP_TO = 40;

export function durationSpec(rows: LeaderboardRow[]): TopLevelSpec {
  const values = rows
    .filter((r) => r.durationSeconds !== null)
    .sort((a, b) => a.trial - b.trial)
    .map((r) => ({ trial: `#${r.trial}`, number: r.trial, minutes: (r.durationSeconds as number) / 60, epochs: r.epochs, state: r.state }));
  const title = { text: 'Duration per trial', subtitle: 'minutes of wall-clock time (running trials: time of their finished epochs)' };
  if (values.length > BARS_UP_TO) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'point', filled: true, size: 24, opacity: 0.8 },
      encoding: {
        x: { field: 'number', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'minutes', type: 'quantitative', title: 'minutes' },
        color: stateColor,
      },
    } as TopLevelSpec;
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH - 120,
    height: { step: 18 },
    data: { values },
    encoding: {
      y: { field: 'trial', type: 'nominal', title: 'trial', scale: { domain: values.map((v) => v.trial) } },
      x: { field: 'minutes', type: 'quantitative', title: 'minutes' },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { color: stateColor } },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
        encoding: { text: { field: 'epochs', type: 'quantitative', format: 'd', title: 'epochs' } },
      },
    ],
  } as TopLevelSpec;
}
