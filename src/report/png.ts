/**
 * PNG versions of the notebook's plots (accuracy.png, loss.png, confusion_matrix.png): the Vega-Lite
 * SVG rasterized by resvg. Text needs a system font: on Debian, fonts-dejavu-core (DejaVu Sans).
 */
import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import type { FrozenTrial, TrialEvaluation } from '../core/types.js';
import { bestAccuracySpec, bestLossSpec } from './charts/best-curves.js';
import { confusionSpec } from './charts/confusion.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { renderSvg } from './vega.js';

/** Rasterizes an SVG document to PNG bytes on a white background, `zoom` times its size. */
export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** A 28x28 greyscale digit (784 values 0..255, row-major) as a PNG, white ink on black like MNIST. */
export function digitPng(pixels: ArrayLike<number>, side = 28): Buffer {
  const png = new PNG({ width: side, height: side });
  for (let i = 0; i < side * side; i++) {
    const raw = Number(pixels[i] ?? 0);
    const v = Number.isFinite(raw) ? Math.max(0, Math.min(255, Math.round(raw))) : 0;
    png.data[i * 4] = v;
    png.data[i * 4 + 1] = v;
    png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * Writes `accuracy.png` and `loss.png` of `trial`, and `confusion_matrix.png` when `evaluation` is
 * given, into `dir`; returns the paths written.
 */
export async function writeBestTrialPngs(trial: FrozenTrial, evaluation: TrialEvaluation | null, dir: string): Promise<string[]> {
  const size = { width: 560, height: 320 };
  const jobs: Array<[string, Promise<string>]> = [
    ['accuracy.png', renderSvg(bestAccuracySpec(trial, size))],
    ['loss.png', renderSvg(bestLossSpec(trial, size))],
  ];
  if (evaluation) jobs.push(['confusion_matrix.png', renderSvg(confusionSpec(evaluation.confusion, `Best trial #${trial.number}: confusion matrix`, 40))]);
  const written: string[] = [];
  for (const [name, svg] of jobs) {
    const file = join(dir, name);
    await writeFileAtomic(file, svgToPng(await svg));
    written.push(file);
  }
  return written;
}
