/**
 * Milliseconds per training step on the wasm backend, with all or some of our training kernels
 * (the measurement lives in src/train/kernels/step-bench.ts: only src/train imports TF.js).
 *   node dist/bench/wasm-step.js [--batch 64] [--steps 10] [--kernels Tile,BatchMatMul|none] [--stock]
 */
import { benchWasmStep, parseArgs } from '../train/kernels/step-bench.js';

const opts = parseArgs(process.argv.slice(2));
const r = await benchWasmStep(opts);
const kernels = opts.kernels === undefined ? 'all' : ['Conv2DBackpropFilter', ...opts.kernels].join(',');
console.log(
  `wasm train step, batch ${opts.batchSize}, kernels ${kernels}: ${r.msPerStep.toFixed(0)} ms/step, ` +
    `${r.imgPerSec.toFixed(1)} img/s (cpu ${r.cpuMsPerStep.toFixed(0)} ms/step), leaked tensors ${r.leakedTensors}` +
    (r.stockMsPerStep === undefined ? '' : `; stock ${r.stockMsPerStep.toFixed(0)} ms/step (${((1000 * opts.batchSize) / r.stockMsPerStep).toFixed(1)} img/s)`),
);
