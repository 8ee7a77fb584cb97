/**
 * Writers for Kaggle's CSV files, in Kaggle's exact format: LF line endings, no BOM, a final newline.
 * Every file goes through the one atomic writer (temporary file, fsync, rename), so an error never
 * leaves a half-written file behind.
 */
import { writeFilesAtomic as writeAll, type AtomicWriteFailure } from '../core/atomic-write.js';
import { describeBadValue, UserError } from '../core/errors.js';
import { KAGGLE_SUBMISSION_HEADER, KAGGLE_TEST_HEADER, KAGGLE_TRAIN_HEADER } from './csv-format.js';
import { IMAGE_SIZE, type ImageSet } from './types.js';

const ROWS_PER_CHUNK = 2000;
/** ASCII digits of 0..255. */
const DIGITS: Uint8Array[] = Array.from({ length: 256 }, (_, v) => Buffer.from(String(v), 'latin1'));

/** Yields the bytes of a train.csv (`labeled`, needs labels) or test.csv of `set`, chunk by chunk. */
export function* kaggleCsvChunks(set: ImageSet, labeled: boolean): Generator<Uint8Array> {
  if (labeled && !set.labels) throw new Error('kaggleCsvChunks: a labeled CSV needs a set with labels');
  yield Buffer.from(`${labeled ? KAGGLE_TRAIN_HEADER : KAGGLE_TEST_HEADER}\n`, 'latin1');
  const { images, labels } = set;
  for (let first = 0; first < set.count; first += ROWS_PER_CHUNK) {
    const last = Math.min(set.count, first + ROWS_PER_CHUNK);
    const chunk = Buffer.allocUnsafe((last - first) * (IMAGE_SIZE + 1) * 4);
    let n = 0;
    for (let row = first; row < last; row++) {
      if (labeled) {
        chunk[n++] = 48 + labels![row]!;
        chunk[n++] = 44;
      }
      const base = row * IMAGE_SIZE;
      for (let i = 0; i < IMAGE_SIZE; i++) {
        const d = DIGITS[images[base + i]!]!;
        for (let k = 0; k < d.length; k++) chunk[n++] = d[k]!;
        chunk[n++] = 44;
      }
      chunk[n - 1] = 10; // the last comma becomes the line end
    }
    yield chunk.subarray(0, n);
  }
}

/** Yields the bytes of a submission / solution CSV: `ImageId,Label`, ImageId from 1. */
export function* submissionCsvChunks(labels: ArrayLike<number>): Generator<Uint8Array> {
  const lines = [KAGGLE_SUBMISSION_HEADER];
  for (let i = 0; i < labels.length; i++) lines.push(`${i + 1},${labels[i]}`);
  yield Buffer.from(`${lines.join('\n')}\n`, 'latin1');
}

/**
 * Writes several files all-or-nothing as far as the file system allows (the one atomic writer,
 * src/core/atomic-write.ts); a file-system error is a UserError naming the file.
 */
export async function writeFilesAtomic(files: Array<{ file: string; chunks: Iterable<Uint8Array> }>): Promise<void> {
  try {
    await writeAll(files.map((f) => ({ file: f.file, data: f.chunks })));
  } catch (err) {
    const { code, destination } = err as AtomicWriteFailure;
    if (typeof code === 'string') throw new UserError(describeBadValue(destination ?? files[0]?.file ?? '', '', `cannot write the file (${code})`));
    throw err;
  }
}

/** Writes `set` as a Kaggle train.csv (labeled) or test.csv, atomically. */
export async function writeKaggleCsv(file: string, set: ImageSet, labeled: boolean): Promise<void> {
  await writeFilesAtomic([{ file, chunks: kaggleCsvChunks(set, labeled) }]);
}
