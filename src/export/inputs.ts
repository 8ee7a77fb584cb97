/**
 * What `predict` reads: PNG pictures (made MNIST-like by image.ts) and CSV files of pixel rows in
 * Kaggle's test.csv layout (784 values 0..255 per row; the `pixel0,...,pixel783` header optional; read by
 * data/csv-read.ts, the one reader of that layout).
 * Bad input is a one-line UserError naming the file (and line).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseKaggleCsv } from '../data/index.js';
import { IMAGE_SIZE, type ImageSet } from '../data/types.js';
import { UserError } from '../core/errors.js';
import { decodePng, toMnist } from './image.js';

export interface PredictInputs {
  images: ImageSet;
  /** One name per image: `FILE` for a picture, `FILE:LINE` for a CSV row. */
  names: string[];
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads every file (PNG or CSV) into one set of 28x28 images, in order. */
export async function readPredictInputs(files: readonly string[]): Promise<PredictInputs> {
  const parts: Array<{ pixels: Uint8Array; name: string }> = [];
  for (const file of files) {
    const bytes = await readInput(file);
    const isPng = bytes.subarray(0, 8).equals(PNG_SIGNATURE);
    const ext = extname(file).toLowerCase();
    if (isPng || ext === '.png') {
      parts.push({ pixels: toMnist(decodePng(bytes, file), file), name: file });
    } else if (ext === '.csv' || looksLikeText(bytes)) {
      // Kaggle's test.csv layout, through its one reader; the header may be left out.
      const rows = parseKaggleCsv(bytes, file, false, { headerOptional: true });
      for (let i = 0; i < rows.count; i++) parts.push({ pixels: rows.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), name: `${file}:${rows.firstLine + i}` });
    } else {
      throw new UserError(`${file}: neither a PNG image nor a CSV of pixel rows`);
    }
  }
  const images = new Uint8Array(parts.length * IMAGE_SIZE);
  parts.forEach((p, i) => images.set(p.pixels, i * IMAGE_SIZE));
  return { images: { count: parts.length, images, labels: null }, names: parts.map((p) => p.name) };
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: file not found`);
    if (code === 'EISDIR') throw new UserError(`${file}: is a folder, expected a PNG or CSV file`);
    throw new UserError(`${file}: cannot read (${code ?? (err as Error).message})`);
  }
}

function looksLikeText(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 512);
  return head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xef);
}
