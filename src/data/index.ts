/** The data layer: bundled MNIST, the Kaggle-like split, Kaggle CSV files, datasets. TF.js-free. */
export { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES, type Dataset, type ImageSet } from './types.js';
export {
  DEFAULT_SPLIT_SEED,
  DEFAULT_VAL_FRACTION,
  loadDataset,
  withoutHoldOut,
  type DataSource,
  type DatasetSpec,
} from './dataset.js';
export {
  KAGGLE_SPLIT_SEED,
  KAGGLE_TEST_COUNT,
  KAGGLE_TRAIN_COUNT,
  MNIST_FILES,
  kaggleSplit,
  loadKaggleSolution,
  loadMnist,
  mnistDir,
  type KaggleSplit,
} from './mnist.js';
export { parseIdxImages, parseIdxLabels, readIdxImages, readIdxLabels } from './idx.js';
export { KAGGLE_SUBMISSION_HEADER, KAGGLE_TEST_HEADER, KAGGLE_TRAIN_HEADER } from './csv-format.js';
export { parseKaggleCsv, readKaggleTest, readKaggleTrain } from './csv-read.js';
export { kaggleCsvChunks, submissionCsvChunks, writeFilesAtomic, writeKaggleCsv } from './csv-write.js';
export { stratifiedSplit } from './split.js';
export { fingerprintSets } from './fingerprint.js';
export { isShared, sharedBytes, toShared } from './shared.js';
export {
  classCounts,
  exportKaggle,
  summarizeDataset,
  type DatasetSummary,
  type ExportKaggleOptions,
  type ExportKaggleResult,
  type SetSummary,
} from './export.js';
