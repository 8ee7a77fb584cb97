/**
 * Writers for Kaggle's CSV files, in Kaggle's exact format: LF line endings, no BOM, a final newline.
 * Every file is written to a temporary file next to it and renamed into place, so an error never
 * leaves a half-written file behind.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeBadValue, UserError } from '../errors.js';
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

/** Writes `chunks` to a temporary file next to `file` and returns its path; removes it on error. */
export async function writeTemp(file: string, chunks: Iterable<Uint8Array>): Promise<string> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return tmp;
}

/**
 * Writes several files all-or-nothing as far as the file system allows: every file goes to a temporary
 * file first; only when all are written are they renamed into place.
 */
export async function writeFilesAtomic(files: Array<{ file: string; chunks: Iterable<Uint8Array> }>): Promise<void> {
  const temps: string[] = [];
  let current = '';
  try {
    for (const { file, chunks } of files) {
      current = file;
      temps.push(await writeTemp(file, chunks));
    }
    for (let i = 0; i < files.length; i++) {
      current = files[i]!.file;
      await rename(temps[i]!, current);
    }
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UserError(describeBadValue(current, '', `cannot write the file (${code})`));
    throw err;
  }
}

/** Writes `set` as a Kaggle train.csv (labeled) or test.csv, atomically. */
export async function writeKaggleCsv(file: string, set: ImageSet, labeled: boolean): Promise<void> {
  await writeFilesAtomic([{ file, chunks: kaggleCsvChunks(set, labeled) }]);
}
