/** Per-epoch charts label epochs as integers, also when a study ran one epoch (issue 21: "1.000000"). */
import { describe, expect, it } from 'vitest';
import { bestAccuracySpec } from '../../src/report/charts/best-curves.js';
import { validationCurvesSpec } from '../../src/report/charts/curves.js';
import { renderSvg } from '../../src/report/vega.js';
import { makeStudy } from './helpers/fixture.js';

/** The text of the x axis labels (vega's SVG puts each label in a <text> of the axis-label group). */
function labels(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('epoch ticks', () => {
  const study = makeStudy();
  for (const t of study.trials) t.epochs = t.epochs.slice(0, 1);

  it('one-epoch study: the curves chart labels its tick "1", not "1.000000"', async () => {
    const svg = await renderSvg(validationCurvesSpec(study));
    expect(labels(svg)).toContain('1');
    expect(svg).not.toMatch(/\b1\.0+\b/);
  });

  it('one-epoch study: the best-trial chart too', async () => {
    const svg = await renderSvg(bestAccuracySpec(study.trials[0]!));
    expect(labels(svg)).toContain('1');
    expect(svg).not.toMatch(/\b1\.0+\b/);
  });
});
