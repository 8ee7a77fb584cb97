/**
 * Reader for the IDX files of MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian magic number
 * (2051 for images, 2049 for labels), the dimensions, then one unsigned byte per value.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describeBadValue, UserError } from '../core/errors.js';
import { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES } from './types.js';
import { sharedBytes } from './shared.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/** "Missing" or "unreadable" as a one-line UserError naming the file. */
function inputFileError(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(describeBadValue(file, '', 'file not found'));
  if (code === 'EISDIR') return new UserError(describeBadValue(file, '', 'is a directory, not a file'));
  return new UserError(describeBadValue(file, '', `cannot read file (${code ?? String(err)})`));
}

/** Reads a whole file, turning "missing" or "unreadable" into a one-line UserError naming it. */
export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw inputFileError(file, err);
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

function checkLength(length: number, file: string, expected: number): void {
  if (length !== expected) {
    const problem = length < expected ? 'truncated IDX file' : 'trailing bytes after IDX data';
    throw new UserError(describeBadValue(file, '', `${problem}: expected ${expected} bytes`, length));
  }
}

const IMAGES_HEADER_SIZE = 16;

/** The image count of an IDX image file whose header is `head` and whose length is `length`, all checked. */
function imagesHeader(head: Uint8Array, file: string, length: number): number {
  const [count, rows, cols] = header(head, file, IDX_IMAGES_MAGIC, 3) as [number, number, number];
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new UserError(describeBadValue(file, '', `images must be ${IMAGE_SIDE}x${IMAGE_SIDE}`, `${rows}x${cols}`));
  }
  checkLength(length, file, IMAGES_HEADER_SIZE + count * IMAGE_SIZE);
  return count;
}

/** Parses an IDX image file (28x28 images) into `count` images on a SharedArrayBuffer. */
export function parseIdxImages(buf: Uint8Array, file: string): { count: number; images: Uint8Array } {
  const count = imagesHeader(buf, file, buf.length);
  const images = sharedBytes(count * IMAGE_SIZE);
  images.set(buf.subarray(IMAGES_HEADER_SIZE));
  return { count, images };
}

/** Which images of a file go where: image `from[k]` of the file to image slot `to[k]` of `out`. */
export interface ImagePicks {
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  out: Uint8Array;
}

/**
 * Copies the picked images of an IDX image file into `picks.out`, after checking the file (header, length,
 * exactly `expected` images). A few picks (`train --limit 300` needs 600 of MNIST's 70,000) are read one by
 * one, with synchronous reads: 600 of them cost ~4 ms of CPU where async reads cost ~30 ms and reading the
 * whole 47 MB file ~150 ms. Many picks read the whole file once.
 */
export async function readIdxImagesAt(file: string, expected: number, picks: ImagePicks): Promise<void> {
  if (picks.from.length * 8 > expected) {
    const buf = await readInputFile(file);
    copyPicks(file, expected, imagesHeader(buf, file, buf.length), picks, (i, at) => picks.out.set(buf.subarray(imageOffset(i), imageOffset(i + 1)), at));
    return;
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw inputFileError(file, err);
  }
  try {
    const head = new Uint8Array(IMAGES_HEADER_SIZE);
    const got = readSync(fd, head, 0, head.length, 0);
    const count = imagesHeader(head.subarray(0, got), file, fstatSync(fd).size);
    copyPicks(file, expected, count, picks, (i, at) => readSync(fd, picks.out, at, IMAGE_SIZE, imageOffset(i)));
  } finally {
    closeSync(fd);
  }
}

function imageOffset(i: number): number {
  return IMAGES_HEADER_SIZE + i * IMAGE_SIZE;
}

function copyPicks(file: string, expected: number, count: number, picks: ImagePicks, copy: (i: number, at: number) => void): void {
  if (count !== expected) throw new UserError(describeBadValue(file, '', `expected ${expected} images`, count));
  for (let k = 0; k < picks.from.length; k++) {
    const i = picks.from[k]!;
    if (!(i >= 0 && i < count)) throw new Error(`readIdxImagesAt: image ${i} is outside 0..${count - 1} of ${file}`);
    copy(i, picks.to[k]! * IMAGE_SIZE);
  }
}

/** Parses an IDX label file (labels 0..9) into a Uint8Array on a SharedArrayBuffer. */
export function parseIdxLabels(buf: Uint8Array, file: string): Uint8Array {
  const [count] = header(buf, file, IDX_LABELS_MAGIC, 1) as [number];
  checkLength(buf.length, file, 8 + count);
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
