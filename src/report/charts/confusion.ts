/** Confusion matrix heatmap with counts: rows are true digits, columns predicted ones. */
import type { TopLevelSpec } from 'vega-lite';

export function confusionSpec(confusion: number[][], title: string, cell = 36): TopLevelSpec {
  const rows: Array<{ actual: number; predicted: number; count: number }> = [];
  let max = 0;
  confusion.forEach((row, t) =>
    row.forEach((c, p) => {
      const count = Number.isFinite(c) ? c : 0;
      rows.push({ actual: t, predicted: p, count });
      max = Math.max(max, count);
    }),
  );
  const threshold = Math.sqrt(Math.max(1, max)); // symlog-ish midpoint: dark cells get white text
  const classes = confusion.map((_, i) => i);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'rows: true digit, columns: predicted digit (color on a log scale)' },
    width: cell * classes.length,
    height: cell * classes.length,
    data: { values: rows },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', title: 'predicted', scale: { domain: classes }, axis: { orient: 'top', labelAngle: 0 } },
      y: { field: 'actual', type: 'ordinal', title: 'true', scale: { domain: classes } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: { color: { field: 'count', type: 'quantitative', title: 'count', scale: { type: 'symlog', scheme: 'blues' } } },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${threshold}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  } as TopLevelSpec;
}
