/** `export --top K`: the mean softmax of the K best complete trials whose models are still kept. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kaggleSplit, loadKaggleSolution } from '../../src/data/index.js';
import { predictEnsemble } from '../../src/train/predict.js';
import { initBackend, loadModel, predictProbabilities } from '../../src/train/index.js';
import { cli, saveSeedCnn, tempDir, trainTinyModel, writeStudy } from './helpers.js';

describe('ensembles', () => {
  const root = tempDir();

  it('predictEnsemble averages the softmax of the seed CNNs exactly as by hand', async () => {
    await initBackend('wasm');
    const dirs = [join(root, 'cnn-a'), join(root, 'cnn-b')];
    await saveSeedCnn(dirs[0]!, 1);
    await saveSeedCnn(dirs[1]!, 2);
    const { test } = await kaggleSplit();
    const images = { count: 12, images: test.images.subarray(0, 12 * 784), labels: null };

    const byHand = await Promise.all(dirs.map(async (d) => {
      const m = await loadModel(d);
      const p = predictProbabilities(m, images);
      m.dispose();
      return p;
    }));
    const { probabilities, perModel } = await predictEnsemble(dirs, images);
    expect(perModel).toHaveLength(2);
    for (let i = 0; i < 120; i++) {
      expect(perModel[0]![i]).toBeCloseTo(byHand[0]![i]!, 6);
      expect(perModel[1]![i]).toBeCloseTo(byHand[1]![i]!, 6);
      expect(probabilities[i]).toBeCloseTo((byHand[0]![i]! + byHand[1]![i]!) / 2, 6);
    }
    // Two differently seeded models really differ, so the check above means something.
    expect(Math.max(...perModel[0]!.map((v, i) => Math.abs(v - perModel[1]![i]!)))).toBeGreaterThan(1e-3);
  });

  describe('digit-sweep export NAME --top K', () => {
    const runs = join(root, 'runs');
    beforeAll(async () => {
      const a = join(root, 'tiny-a');
      const b = join(root, 'tiny-b');
      await trainTinyModel(a, { seed: 1, images: 1500 });
      await trainTinyModel(b, { seed: 7, images: 1500, epochs: 3 });
      writeStudy(runs, 'ens', [
        { number: 0, value: 0.91, model: b },
        { number: 1, value: 0.95, modelDir: null }, // best, but its model was not kept
        { number: 2, value: 0.93, model: a },
        { number: 3, value: 0.99, state: 'pruned' },
      ]);
    });

    it('uses the kept models only, says how many, and prints each accuracy beside the ensemble', async () => {
      const out = join(root, 'out');
      const r = await cli(['export', 'ens', '--runs', runs, '--out', out, '--top', '3', '--backend', 'wasm']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('ensemble: 2 of the 3 requested models (trials #2, #0); not kept on disk: #1');
      const summary = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
      expect(summary).toMatchObject({ top: 3, used: 2, notKept: [1] });
      expect(summary.trials.map((t: { number: number }) => t.number)).toEqual([2, 0]);
      // The best kept model at the top, the other member beside it.
      expect(readdirSync(out).sort()).toEqual(['export.json', 'model.json', 'submission.csv', 'trial-0', 'weights.bin']);
      expect(existsSync(join(out, 'trial-0', 'weights.bin'))).toBe(true);

      const solution = await loadKaggleSolution();
      const labels = readFileSync(join(out, 'submission.csv'), 'latin1').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
      const accuracy = labels.filter((l, i) => l === solution[i]).length / solution.length;
      expect(summary.accuracy).toBe(accuracy);
      for (const t of summary.trials) {
        expect(t.testAccuracy).toBeGreaterThan(0.7);
        expect(r.out).toContain(`trial #${t.number}  value ${t.value.toFixed(4)}  test accuracy ${(t.testAccuracy * 100).toFixed(2)}%`);
      }
      expect(r.out).toContain(`ensemble of 2: test accuracy ${(accuracy * 100).toFixed(2)}%`);
      console.info(`single models ${summary.trials.map((t: { testAccuracy: number }) => t.testAccuracy).join(', ')}; ensemble ${accuracy}`);
    });
  });
});
