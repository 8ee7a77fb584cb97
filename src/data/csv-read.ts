/**
 * The one reader of Kaggle's CSV layout: train.csv, test.csv, and test.csv rows given to `predict`
 * (header optional). The parser walks the file's bytes once and writes pixels straight into
 * SharedArrayBuffer-backed arrays: no strings, splits or regexes per value, so the 42,000-row train.csv
 * (~73 MB) parses in well under a second. Only the error path builds strings.
 *
 * Accepted: a UTF-8 BOM, LF or CRLF line endings, trailing newlines. Anything else that is wrong is a
 * UserError with one line: `FILE:LINE: problem (got VALUE)`.
 */
import { UserError } from '../core/errors.js';
import { readInputFile } from './idx.js';
import { KAGGLE_TEST_HEADER, KAGGLE_TRAIN_HEADER } from './csv-format.js';
import { sharedBytes } from './shared.js';
import { IMAGE_SIZE, NUM_CLASSES, type ImageSet } from './types.js';

const LF = 10;
const CR = 13;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;
const MAX_SHOWN = 40;

/** Reads Kaggle's train.csv (`label,pixel0,...,pixel783`): labeled images. */
export async function readKaggleTrain(file: string): Promise<ImageSet & { labels: Uint8Array }> {
  const { count, images, labels } = parseKaggleCsv(await readInputFile(file), file, true);
  return { count, images, labels: labels! };
}

/** Reads Kaggle's test.csv (`pixel0,...,pixel783`): unlabeled images (`labels` is null). */
export async function readKaggleTest(file: string): Promise<ImageSet> {
  const { count, images, labels } = parseKaggleCsv(await readInputFile(file), file, false);
  return { count, images, labels };
}

function fail(file: string, line: number, problem: string, got?: string): never {
  throw new UserError(`${file}:${line}: ${problem}${got === undefined ? '' : ` (got ${got})`}`);
}

function shown(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text);
}

/** Where a Kaggle CSV's rows start: the line of the first row (2 after a header, 1 without). */
export type KaggleRows = ImageSet & { firstLine: number };

export interface KaggleCsvOptions {
  /**
   * The header may be left out (test.csv rows given to `predict`): a first line that starts with a
   * digit is then the first row.
   */
  headerOptional?: boolean;
}

/**
 * Parses the bytes of a Kaggle CSV: the one reader of this format. `labeled`: train.csv layout (a label
 * column first), else test.csv. `file` only names the file in error messages.
 */
export function parseKaggleCsv(bytes: Uint8Array, file: string, labeled: boolean, opts: KaggleCsvOptions = {}): KaggleRows {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerName = labeled ? 'label,pixel0,...,pixel783' : 'pixel0,...,pixel783';
  const columns = labeled ? IMAGE_SIZE + 1 : IMAGE_SIZE;
  const expected = opts.headerOptional ? `the header ${headerName} or a row of ${columns} ${labeled ? 'values' : 'pixel values'}` : `the header ${headerName}`;

  let start = 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  let end = buf.length;
  while (end > start && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
  if (end === start) fail(file, 1, `empty file, expected ${expected}`);

  // Header: line 1, unless it may be left out and line 1 is a row.
  let bodyStart = start;
  const firstLine = opts.headerOptional && buf[start]! >= ZERO && buf[start]! <= NINE ? 1 : 2;
  if (firstLine === 2) {
    let headerEnd = buf.indexOf(LF, start);
    if (headerEnd < 0 || headerEnd > end) headerEnd = end;
    bodyStart = headerEnd + 1;
    const headerText = buf.toString('utf8', start, headerEnd > start && buf[headerEnd - 1] === CR ? headerEnd - 1 : headerEnd);
    if (headerText !== (labeled ? KAGGLE_TRAIN_HEADER : KAGGLE_TEST_HEADER)) {
      const other = labeled ? KAGGLE_TEST_HEADER : KAGGLE_TRAIN_HEADER;
      const hint = headerText === other ? ` (this looks like ${labeled ? 'test.csv' : 'train.csv'})` : '';
      fail(file, 1, `expected ${expected}${hint}`, shown(headerText));
    }
    if (bodyStart >= end) fail(file, 2, 'no data rows after the header');
  }

  // One row per line of the body.
  let rows = 1;
  for (let p = buf.indexOf(LF, bodyStart); p >= 0 && p < end; p = buf.indexOf(LF, p + 1)) rows++;

  const images = sharedBytes(rows * IMAGE_SIZE);
  const labels = labeled ? sharedBytes(rows) : null;
  const firstPixel = labeled ? 1 : 0;

  let pos = bodyStart;
  let out = 0;
  for (let row = 0; row < rows; row++) {
    const lineStart = pos;
    for (let col = 0; col < columns; col++) {
      const tokenStart = pos;
      let value = 0;
      let c = pos < end ? buf[pos]! : LF;
      while (c >= ZERO && c <= NINE) {
        value = value * 10 + (c - ZERO);
        pos++;
        c = pos < end ? buf[pos]! : LF;
      }
      const last = col === columns - 1;
      const atLineEnd = c === LF || (c === CR && (pos + 1 >= end || buf[pos + 1] === LF));
      if (pos === tokenStart || !(c === COMMA || atLineEnd) || (last ? !atLineEnd : c !== COMMA)) {
        rowError(buf, file, row + firstLine, lineStart, end, columns, labeled);
      }
      if (col < firstPixel) {
        if (value >= NUM_CLASSES) rowError(buf, file, row + firstLine, lineStart, end, columns, labeled);
        labels![row] = value;
      } else {
        if (value > 255) rowError(buf, file, row + firstLine, lineStart, end, columns, labeled);
        images[out++] = value;
      }
      pos++; // the comma, or the LF / CR of the line end
      if (c === CR) pos++;
    }
  }
  return { count: rows, images, labels, firstLine };
}

/** The slow path: finds what is wrong with the line that starts at `lineStart` and throws. */
function rowError(
  buf: Buffer, file: string, line: number, lineStart: number, end: number, columns: number, labeled: boolean,
): never {
  let lineEnd = buf.indexOf(LF, lineStart);
  if (lineEnd < 0 || lineEnd > end) lineEnd = end;
  let text = buf.toString('utf8', lineStart, lineEnd);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  // test.csv's columns are all pixels: "784 pixel values" says what they are.
  const want = labeled ? `${columns} columns` : `${columns} pixel values`;
  if (text === '') fail(file, line, `empty line, expected ${want}`);
  const cells = text.split(',');
  if (cells.length !== columns) fail(file, line, `expected ${want}`, String(cells.length));
  for (let col = 0; col < columns; col++) {
    const cell = cells[col]!;
    const isLabel = labeled && col === 0;
    const name = isLabel ? 'label' : `pixel${labeled ? col - 1 : col}`;
    const max = isLabel ? NUM_CLASSES - 1 : 255;
    if (!/^-?[0-9]+$/.test(cell)) fail(file, line, `${name} is not an integer`, shown(cell));
    const value = Number(cell);
    if (cell.startsWith('-') || value > max) {
      fail(file, line, `${name} outside 0..${max}`, cell.length > MAX_SHOWN ? `${cell.slice(0, MAX_SHOWN)}...` : cell);
    }
  }
  fail(file, line, 'malformed row', shown(text)); // not reached: the fast path only calls on a real problem
}
