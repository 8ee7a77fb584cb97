/**
 * One backend's figures, in its own process (so peak RSS is that backend's): training img/s at each
 * batch size (with kernel dispatches per step), augmentation cost, inference img/s (--infer-images 0: none),
 * peak RSS. Prints one JSON line. Used by bench/main.ts:
 *   node dist/bench/backend.js --backend wasm --batches 64,128 --steps 10 [--threads N]
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../data/index.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batches: { type: 'string', default: '64,128' },
    steps: { type: 'string', default: '10' },
    'infer-images': { type: 'string', default: '4200' },
    threads: { type: 'string' },
  },
});

const { initBackend } = await import('../train/index.js');
const { measureInference, measureTraining } = await import('./measure.js');
const out: Record<string, unknown> = { backend: values.backend };
try {
  // The measurements below then run on this backend with this thread count.
  const init = await initBackend(values.backend as never, values.threads === undefined ? {} : { threads: Number(values.threads) });
  out.backend = init.name;
  out.info = init.info;
  const data = await loadDataset({ source: 'mnist', limit: 8000 });
  out.training = [];
  for (const b of values.batches!.split(',').map(Number)) {
    (out.training as unknown[]).push(await measureTraining(data.train, { backend: init.name, batchSize: b, steps: Number(values.steps) }));
  }
  const infer = { ...data.test, count: Math.min(data.test.count, Number(values['infer-images'])) };
  if (infer.count > 0) out.inference = await measureInference(infer, { backend: init.name, batchSize: 1000 });
} catch (err) {
  out.error = (err as Error).message.split('\n')[0];
}
out.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify(out));
