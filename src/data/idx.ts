/**
 * Reader for the IDX files of MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian magic number
 * (2051 for images, 2049 for labels), the dimensions, then one unsigned byte per value.
 */
import { readFile } from 'node:fs/promises';
import { describeBadValue, UserError } from '../core/errors.js';
import { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES } from './types.js';
import { sharedBytes } from './shared.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** Reads a whole file, turning "missing" or "unreadable" into a one-line UserError naming it. */
export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(describeBadValue(file, '', 'file not found'));
    if (code === 'EISDIR') throw new UserError(describeBadValue(file, '', 'is a directory, not a file'));
    throw new UserError(describeBadValue(file, '', `cannot read file (${code ?? String(err)})`));
  }
}

function header(buf: Uint8Array, file: string, magic: number, dims: number): number[] {
  const size = 4 + 4 * dims;
  if (buf.length < size) {
    throw new UserError(describeBadValue(file, '', `not an IDX file: shorter than its ${size}-byte header`, buf.length));
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) throw new UserError(describeBadValue(file, '', `bad IDX magic number, expected ${magic}`, got));
  const out: number[] = [];
  for (let i = 0; i < dims; i++) out.push(view.getUint32(4 + 4 * i, false));
  return out;
}

function checkLength(buf: Uint8Array, file: string, expected: number): void {
  if (buf.length !== expected) {
    const problem = buf.length < expected ? 'truncated IDX file' : 'trailing bytes after IDX data';
    throw new UserError(describeBadValue(file, '', `${problem}: expected ${expected} bytes`, buf.length));
  }
}

/** Parses an IDX image file (28x28 images) into `count` images on a SharedArrayBuffer. */
export function parseIdxImages(buf: Uint8Array, file: string): { count: number; images: Uint8Array } {
  const [count, rows, cols] = header(buf, file, IDX_IMAGES_MAGIC, 3) as [number, number, number];
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new UserError(describeBadValue(file, '', `images must be ${IMAGE_SIDE}x${IMAGE_SIDE}`, `${rows}x${cols}`));
  }
  checkLength(buf, file, 16 + count * IMAGE_SIZE);
  const images = sharedBytes(count * IMAGE_SIZE);
  images.set(buf.subarray(16));
  return { count, images };
}

/** Parses an IDX label file (labels 0..9) into a Uint8Array on a SharedArrayBuffer. */
export function parseIdxLabels(buf: Uint8Array, file: string): Uint8Array {
  const [count] = header(buf, file, IDX_LABELS_MAGIC, 1) as [number];
  checkLength(buf, file, 8 + count);
  const labels = sharedBytes(count);
  labels.set(buf.subarray(8));
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= NUM_CLASSES) {
      throw new UserError(describeBadValue(file, `label ${i}`, `label outside 0..${NUM_CLASSES - 1}`, labels[i]));
    }
  }
  return labels;
}

export async function readIdxImages(file: string): Promise<{ count: number; images: Uint8Array }> {
  return parseIdxImages(await readInputFile(file), file);
}

export async function readIdxLabels(file: string): Promise<Uint8Array> {
  return parseIdxLabels(await readInputFile(file), file);
}
