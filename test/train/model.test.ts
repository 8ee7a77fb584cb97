import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, countParams, MODEL_PARAMS, MODEL_TRAINABLE_PARAMS, regularizationLosses } from '../../src/train/model.js';

describe('buildModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is the seed notebook CNN: 459,210 parameters, 458,634 trainable', () => {
    const model = buildModel({ dropout: 0.4, l2: 1e-4 });
    expect(countParams(model)).toEqual({ total: MODEL_PARAMS, trainable: MODEL_TRAINABLE_PARAMS });
    expect(MODEL_PARAMS).toBe(459_210);
    expect(MODEL_TRAINABLE_PARAMS).toBe(458_634);
    const kinds = model.layers.map((l) => l.getClassName());
    expect(kinds).toEqual([
      'Conv2D', 'BatchNormalization', 'Conv2D', 'BatchNormalization', 'Conv2D', 'BatchNormalization', 'Dropout',
      'Conv2D', 'BatchNormalization', 'Conv2D', 'BatchNormalization', 'Conv2D', 'BatchNormalization', 'Dropout',
      'Flatten', 'Dense', 'Dropout', 'Dense',
    ]);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('takes dropout and L2 from the params', () => {
    const model = buildModel({ dropout: 0.25, l2: 5e-4 });
    const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout');
    expect(dropouts.map((l) => (l.getConfig() as { rate: number }).rate)).toEqual([0.25, 0.25, 0.25]);
    const regularized = model.layers.filter((l) => (l.getConfig() as { kernelRegularizer?: { config: { l2: number } } }).kernelRegularizer);
    expect(regularized).toHaveLength(8); // 6 conv + 2 dense
    expect((regularized[0]!.getConfig() as { kernelRegularizer: { config: { l2: number } } }).kernelRegularizer.config.l2).toBeCloseTo(5e-4);
    // The penalty is what the trainer adds to the loss.
    const penalty = tf.addN(regularizationLosses(model)).dataSync()[0]!;
    expect(penalty).toBeGreaterThan(0);
    model.dispose();
    const plain = buildModel({ dropout: 0.4, l2: 0 });
    expect(regularizationLosses(plain)).toHaveLength(0);
    plain.dispose();
  });
});
