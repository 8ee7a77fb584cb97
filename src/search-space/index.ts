/** Search spaces: parse + validate YAML/JSON files into a typed SearchSpace. */
export * from './schema.js';
export { loadSearchSpace, parseSearchSpace, validateSearchSpace, formatPath, epochsRange, TRAIN_PARAM_NAMES, TRAIN_PARAM_RULES } from './validate.js';
export { checkRange } from '../core/train-params.js';
export { gridValues, contains, snapToStep } from './distributions.js';
export { DEFAULT_SPACE, QUICKSTART_INPUT } from './defaults.js';
export { enqueueOf, isEnqueuedTrial } from './enqueue.js';
