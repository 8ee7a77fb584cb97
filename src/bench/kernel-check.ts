/**
 * The fused training kernels on one backend against cpu (src/train/kernel-check.ts): prints one JSON
 * line { backend, errors: { case: { outputs, worst } }, dropped, tolerance, failed }, and exits 1 when a
 * case's relative error reaches the tolerance (1e-4, as the tests).
 *   node dist/bench/kernel-check.js --backend webgpu [--out kernels.json]
 */
import { writeFileAtomic } from '../core/atomic-write.js';
import { parseArgs } from 'node:util';

const TOLERANCE = 1e-4;
const CHOICES = ['webgpu', 'wasm', 'cpu', 'tensorflow'];

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'webgpu' }, out: { type: 'string' } } });
if (!CHOICES.includes(values.backend!)) {
  console.error(`kernel-check: --backend must be one of ${CHOICES.join(', ')} (got ${JSON.stringify(values.backend)})`);
  process.exit(2);
}
const { checkFusedKernels } = await import('../train/index.js');
const result = await checkFusedKernels(values.backend as 'webgpu');
const failed = Object.entries(result.errors).filter(([, e]) => !(e.worst < TOLERANCE)).map(([key]) => key);
const line = JSON.stringify({ ...result, tolerance: TOLERANCE, failed });
if (values.out) await writeFileAtomic(values.out, `${line}\n`);
console.log(line);
process.exit(failed.length ? 1 : 0);
