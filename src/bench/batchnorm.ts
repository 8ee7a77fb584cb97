/**
 * Why `predict` lagged behind training accuracy: validation accuracy at several step counts scored with
 * Keras' BatchNorm moving averages, with batch statistics, and after recalibration (what the trainer does).
 *   node dist/bench/batchnorm.js [--steps 50,125,300,590] [--backend wasm]   -> JSON
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../data/index.js';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '50,125,300,590' }, backend: { type: 'string', default: 'wasm' }, batch: { type: 'string', default: '64' } },
});
const { measureBatchNormLag } = await import('./measure.js');
const data = await loadDataset({ source: 'mnist' });
const points = await measureBatchNormLag(data.train, data.val, {
  backend: values.backend as never,
  batchSize: Number(values.batch),
  checkpoints: values.steps!.split(',').map(Number),
});
console.log(JSON.stringify({ backend: values.backend, batchSize: Number(values.batch), validation: data.val.count, points }, null, 2));
