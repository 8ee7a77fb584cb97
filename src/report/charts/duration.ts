/** Wall-clock duration of every trial, colored by state: where the sweep's time went. */
import type { TopLevelSpec } from 'vega-lite';
import type { LeaderboardRow } from '../leaderboard.js';
import { WIDTH, stateColor } from './common.js';

export function durationSpec(rows: LeaderboardRow[]): TopLevelSpec {
  const values = rows
    .filter((r) => r.durationSeconds !== null)
    .sort((a, b) => a.trial - b.trial)
    .map((r) => ({ trial: `#${r.trial}`, minutes: (r.durationSeconds as number) / 60, epochs: r.epochs, state: r.state }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Duration per trial', subtitle: 'minutes of wall-clock time (running trials: time of their finished epochs)' },
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
