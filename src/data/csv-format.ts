/** Kaggle Digit Recognizer CSV layout: the headers shared by the reader and the writer. */
import { IMAGE_SIZE } from './types.js';

const PIXELS = Array.from({ length: IMAGE_SIZE }, (_, i) => `pixel${i}`).join(',');

/** Header of Kaggle's train.csv: `label,pixel0,...,pixel783`. */
export const KAGGLE_TRAIN_HEADER = `label,${PIXELS}`;
/** Header of Kaggle's test.csv: `pixel0,...,pixel783`. */
export const KAGGLE_TEST_HEADER = PIXELS;
/** Header of a Kaggle submission / solution: `ImageId,Label`. */
export const KAGGLE_SUBMISSION_HEADER = 'ImageId,Label';
