/** Exporting the bundled Kaggle-like split as Kaggle's files, and summarizing a dataset. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeBadValue, UserError } from '../core/errors.js';
import { kaggleCsvChunks, submissionCsvChunks, writeFilesAtomic } from './csv-write.js';
import { kaggleSplitHead } from './mnist.js';
import { NUM_CLASSES, type Dataset, type ImageSet } from './types.js';

export interface ExportKaggleOptions {
  /** Write only the first N rows of each file (for tests and quick tries). */
  limit?: number;
}

export interface ExportKaggleResult {
  train: { file: string; rows: number };
  test: { file: string; rows: number };
  solution: { file: string; rows: number };
}

/**
 * Writes the bundled Kaggle-like split to `dir` as Kaggle's `train.csv`, `test.csv` and the hidden
 * labels as `solution.csv` (`ImageId,Label`). All three are written to temporary files and renamed
 * into place only when all are complete. Creates `dir` if needed.
 */
export async function exportKaggle(dir: string, options: ExportKaggleOptions = {}): Promise<ExportKaggleResult> {
  const { limit = Infinity } = options;
  if (limit !== Infinity && !(Number.isInteger(limit) && limit > 0)) {
    throw new UserError(describeBadValue('export-kaggle', 'limit', 'must be a positive integer', limit));
  }
  const { train, test } = await kaggleSplitHead(limit);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UserError(describeBadValue(dir, '', `cannot create the folder (${(err as NodeJS.ErrnoException).code})`));
  }
  const result: ExportKaggleResult = {
    train: { file: join(dir, 'train.csv'), rows: train.count },
    test: { file: join(dir, 'test.csv'), rows: test.count },
    solution: { file: join(dir, 'solution.csv'), rows: test.count },
  };
  await writeFilesAtomic([
    { file: result.train.file, chunks: kaggleCsvChunks(train, true) },
    { file: result.test.file, chunks: kaggleCsvChunks(test, false) },
    { file: result.solution.file, chunks: submissionCsvChunks(test.labels!) },
  ]);
  return result;
}

export interface SetSummary {
  name: 'train' | 'val' | 'test';
  count: number;
  /** Images per class 0..9, or null for an unlabeled set. */
  classCounts: number[] | null;
}

export interface DatasetSummary {
  source: string;
  fingerprint: string;
  sets: SetSummary[];
}

export function classCounts(set: ImageSet): number[] | null {
  if (!set.labels) return null;
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]!]!++;
  return counts;
}

/** Counts per set and class, and the fingerprint: what `digit-sweep data info` prints. */
export function summarizeDataset(ds: Dataset): DatasetSummary {
  return {
    source: ds.source,
    fingerprint: ds.fingerprint,
    sets: (['train', 'val', 'test'] as const).map((name) => ({
      name,
      count: ds[name].count,
      classCounts: classCounts(ds[name]),
    })),
  };
}
