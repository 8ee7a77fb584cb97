/**
 * What `predict` reads: PNG pictures (made MNIST-like by image.ts) and CSV files of pixel rows in
 * Kaggle's test.csv layout (784 values 0..255 per row; the `pixel0,...,pixel783` header optional).
 * Bad input is a one-line UserError naming the file (and line).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { KAGGLE_TEST_HEADER } from '../data/index.js';
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
      for (const row of parsePixelCsv(bytes.toString('utf8'), file)) parts.push({ pixels: row.pixels, name: `${file}:${row.line}` });
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

/** Rows of 784 pixel values; the Kaggle test.csv header is optional; blank lines are skipped. */
export function parsePixelCsv(text: string, file: string): Array<{ line: number; pixels: Uint8Array }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: Array<{ line: number; pixels: Uint8Array }> = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    const line = i + 1;
    if (raw === '') continue;
    if (rows.length === 0 && /^[^0-9]/.test(raw)) {
      if (raw !== KAGGLE_TEST_HEADER) {
        throw new UserError(`${file}:${line}: expected the header pixel0,...,pixel783 or a row of 784 pixel values (got ${show(raw)})`);
      }
      continue;
    }
    const cells = raw.split(',');
    if (cells.length !== IMAGE_SIZE) throw new UserError(`${file}:${line}: expected ${IMAGE_SIZE} pixel values (got ${cells.length})`);
    const pixels = new Uint8Array(IMAGE_SIZE);
    for (let c = 0; c < IMAGE_SIZE; c++) {
      const cell = cells[c]!.trim();
      const v = Number(cell);
      if (!/^[0-9]+$/.test(cell) || v > 255) throw new UserError(`${file}:${line}: pixel${c} must be an integer 0..255 (got ${show(cell)})`);
      pixels[c] = v;
    }
    rows.push({ line, pixels });
  }
  if (rows.length === 0) throw new UserError(`${file}: no pixel rows`);
  return rows;
}

function show(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
}
