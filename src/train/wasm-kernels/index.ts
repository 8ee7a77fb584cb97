/**
 * Our overrides of stock `@tensorflow/tfjs-backend-wasm` 4.22 kernels, one file per kernel name, registered
 * for backend 'wasm' in place of the stock ones. The stock config is kept: a kernel calls it for inputs it
 * does not take, and restoreStockWasmKernels puts it back (benchmarks). New kernel names (our own ops, on
 * every backend) live in ../ops/ instead.
 *
 *   Conv2DBackpropFilter  the stock backend has none (it cannot train a CNN). Our SIMD pass
 *                         (../wasm-simd/conv2d.ts) for 1 or 4k input and 8k output channels; otherwise a
 *                         convolution of transposed x and dy on XNNPACK.
 *   Conv2DBackpropInput   stock: a scalar loop. Our SIMD pass for 16k input channels; otherwise one
 *                         stride-1 convolution per stride phase on XNNPACK; otherwise the stock kernel.
 *   BatchMatMul           stock: transposed products in a scalar loop. Transposes first, then the stock
 *                         kernel's XNNPACK path (batch 1); batched products go to the stock kernel.
 *   Sum, Mean             over leading axes (BatchNormalization's [0, 1, 2]) in one JS pass over the heap;
 *                         other reductions go to the stock kernel (which transposes the input first).
 *   Tile                  a few copyWithin calls per block (stock: index arithmetic per element).
 *   Identity              the output shares the input's buffer (stock: a copy).
 *
 * XNNPACK still runs, in a training step of the model: the first layer's forward convolution (one input
 * channel: FusedConv2D, through the op Conv2DReluTraining), the dense layers' matrix products, and the
 * XNNPACK fallbacks above for shapes the SIMD passes do not take.
 *
 * As they were added (before the SIMD passes), one training step of the seed notebook's CNN at batch 64
 * (src/bench/wasm-step.ts, CPU time on one core): stock kernels + Conv2DBackpropFilter ~1.57 s;
 * + Conv2DBackpropInput ~0.86 s; + Tile ~0.67 s; + BatchMatMul ~0.65 s; + Sum/Mean ~0.58 s; + Identity and
 * the faster x transpose ~0.53 s. With the SIMD passes: bench/NOTES.md.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { identityConfig } from './identity.js';
import { meanConfig } from './mean.js';
import { sumConfig } from './sum.js';
import { tileConfig } from './tile.js';
import { WASM } from './wasm-backend.js';

export type WasmTrainingKernel =
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'Tile'
  | 'BatchMatMul'
  | 'Sum'
  | 'Mean'
  | 'Identity';

export const WASM_TRAINING_KERNELS: readonly WasmTrainingKernel[] = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Tile',
  'BatchMatMul',
  'Sum',
  'Mean',
  'Identity',
];

/** Builds our config given the stock one (undefined where wasm has none). */
type ConfigFactory = (stock: tf.KernelConfig | undefined) => tf.KernelConfig;

const FACTORIES: Record<WasmTrainingKernel, ConfigFactory> = {
  Conv2DBackpropFilter: () => conv2dBackpropFilterConfig(),
  Conv2DBackpropInput: (stock) => conv2dBackpropInputConfig(stock),
  Tile: (stock) => tileConfig(stock),
  BatchMatMul: (stock) => batchMatMulConfig(stock),
  Sum: (stock) => sumConfig(stock),
  Mean: (stock) => meanConfig(stock),
  Identity: (stock) => identityConfig(stock),
};

/** The stock config each replaced kernel had (undefined: there was none), by kernel name. */
const replaced = new Map<WasmTrainingKernel, tf.KernelConfig | undefined>();

export interface RegisterWasmTrainingKernelsOptions {
  /** Which kernels to install; default all. Used by benchmarks to measure one change at a time. */
  kernels?: readonly WasmTrainingKernel[];
}

/**
 * Registers the training kernels for backend 'wasm'. Idempotent. Call it after importing
 * `@tensorflow/tfjs-backend-wasm`, before or after `tf.setBackend('wasm')`.
 */
export function registerWasmTrainingKernels(options: RegisterWasmTrainingKernelsOptions = {}): void {
  const wanted = options.kernels ?? WASM_TRAINING_KERNELS;
  for (const name of wanted) {
    if (!(name in FACTORIES)) {
      throw new Error(`registerWasmTrainingKernels: unknown kernel '${String(name)}', expected one of ${WASM_TRAINING_KERNELS.join(', ')}`);
    }
    if (replaced.has(name)) continue;
    const stock = tf.getKernel(name, WASM);
    if (stock !== undefined) tf.unregisterKernel(name, WASM);
    const ours = FACTORIES[name](stock);
    // The stock kernels bind their wasm functions in setupFunc, which the engine calls when the
    // backend initialises; ours delegate to them, so keep that setup running.
    const stockSetup = stock?.setupFunc;
    const ourSetup = ours.setupFunc;
    if (stockSetup !== undefined || ourSetup !== undefined) {
      ours.setupFunc = (backend) => {
        stockSetup?.(backend);
        ourSetup?.(backend);
      };
    }
    tf.registerKernel(ours);
    replaced.set(name, stock);
  }
}

/** Puts the stock wasm kernels back (and removes Conv2DBackpropFilter, which wasm lacks). */
export function restoreStockWasmKernels(): void {
  for (const [name, stock] of replaced) {
    tf.unregisterKernel(name, WASM);
    if (stock !== undefined) tf.registerKernel(stock);
  }
  replaced.clear();
}

/** The kernels installed now by registerWasmTrainingKernels. */
export function installedWasmTrainingKernels(): WasmTrainingKernel[] {
  return [...replaced.keys()];
}
