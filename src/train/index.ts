/** The only folder that imports @tensorflow/*: backends, model, augmentation, trainer, model files. */
export { BACKENDS, currentBackend, initBackend, type BackendInit, type BackendName, type ConcreteBackend } from './backend.js';
export { buildModel, countParams, MODEL_PARAMS, MODEL_TRAINABLE_PARAMS, regularizationLosses } from './model.js';
export { augmentBatch, NO_AUGMENT, type AugmentOptions } from './augment.js';
export { calibrateBatchNorm } from './batchnorm.js';
export { countDispatches, type DispatchCount } from './dispatches.js';
export { checkFusedKernels, type KernelCheck } from './kernel-check.js';
export { loadModel, saveModel } from './model-io.js';
export { createOptimizer, DEFAULT_TRAIN_PARAMS, predictProbabilities, train, type TrainOptions, type TrainResult } from './train.js';
export { openStockWasmStep, openTrainingProbe, type StockWasmStep, type TrainingProbe, type TrainingProbeOptions } from './probe.js';
export { WASM_TRAINING_KERNELS, type WasmTrainingKernel } from './wasm-kernels/index.js';
export { runTfjsTrial } from './trial.js';
export {
  ADAM_UPDATE,
  BN_TRAINING,
  BN_TRAINING_GRAD,
  batchNormalization,
  CONV_RELU,
  conv2d,
  conv2dReluTraining,
  DROPOUT,
  DROPOUT_GRAD,
  dropout,
  dropoutTraining,
  RELU_BIAS_GRAD,
  FusedAdamOptimizer,
  fusedBatchNormTraining,
  registerFusedKernels,
  unregisterFusedKernels,
} from './ops/index.js';
