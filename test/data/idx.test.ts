import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { loadMnist, MNIST_FILES, mnistDir, readIdxImages, readIdxLabels } from '../../src/data/index.js';
import { readIdxImagesAt } from '../../src/data/idx.js';
import { tempDir, writeText } from './helpers.js';

function idx(magic: number, dims: number[], data: number[]): Uint8Array {
  const out = Buffer.alloc(4 + 4 * dims.length + data.length);
  out.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const dir = tempDir();

describe('IDX files', () => {
  it('reads small image and label files', async () => {
    const pix = Array.from({ length: 2 * 784 }, (_, i) => i % 256);
    const images = await readIdxImages(writeText(dir, 'img', idx(2051, [2, 28, 28], pix)));
    expect(images.count).toBe(2);
    expect(Array.from(images.images)).toEqual(pix);
    const labels = await readIdxLabels(writeText(dir, 'lab', idx(2049, [3], [0, 9, 5])));
    expect(Array.from(labels)).toEqual([0, 9, 5]);
  });

  it('rejects a corrupt magic number, naming the file', async () => {
    const file = writeText(dir, 'bad-magic', idx(2052, [1, 28, 28], new Array(784).fill(0)));
    await expect(readIdxImages(file)).rejects.toThrow(UserError);
    await expect(readIdxImages(file)).rejects.toThrow(`${file}: bad IDX magic number, expected 2051 (got 2052)`);
    const labels = writeText(dir, 'labels-as-images', idx(2051, [1], [0]));
    await expect(readIdxLabels(labels)).rejects.toThrow(`${labels}: bad IDX magic number, expected 2049 (got 2051)`);
  });

  it('rejects wrong dimensions, truncation, out-of-range labels and missing files', async () => {
    const dims = writeText(dir, 'dims', idx(2051, [1, 27, 29], new Array(27 * 29).fill(0)));
    await expect(readIdxImages(dims)).rejects.toThrow(`${dims}: images must be 28x28 (got "27x29")`);
    const short = writeText(dir, 'short', idx(2051, [2, 28, 28], new Array(784).fill(0)));
    await expect(readIdxImages(short)).rejects.toThrow(`${short}: truncated IDX file: expected 1584 bytes (got 800)`);
    const label = writeText(dir, 'label10', idx(2049, [2], [1, 10]));
    await expect(readIdxLabels(label)).rejects.toThrow(`${label}: label 1: label outside 0..9 (got 10)`);
    const tiny = writeText(dir, 'tiny', Buffer.from([0, 0]));
    await expect(readIdxLabels(tiny)).rejects.toThrow(UserError);
    await expect(readIdxLabels(`${dir}/nope`)).rejects.toThrow(`${dir}/nope: file not found`);
  });

  it('reads picked images to their slots, image by image (few picks) or from the whole file (many)', async () => {
    // 16 images, image i filled with i: 2 picks are read one by one, 3 from the whole file (picks x 8 > count).
    const file = writeText(dir, 'sixteen', idx(2051, [16, 28, 28], Array.from({ length: 16 * 784 }, (_, i) => Math.floor(i / 784))));
    const firstPixels = (out: Uint8Array) => Array.from({ length: out.length / 784 }, (_, k) => out[k * 784]);
    const cases: Array<[from: number[], to: number[], slotFirstPixels: number[]]> = [
      [[9, 2], [1, 0], [2, 9]],
      [[9, 2, 15], [1, 0, 2], [2, 9, 15]],
    ];
    for (const [from, to, slotFirstPixels] of cases) {
      const out = new Uint8Array(from.length * 784).fill(255);
      await readIdxImagesAt(file, 16, { from, to, out });
      expect(firstPixels(out)).toEqual(slotFirstPixels);
      expect(new Set(out).size).toBe(from.length);
      // The same checks of the file on both paths.
      await expect(readIdxImagesAt(file, 17, { from, to, out })).rejects.toThrow(`${file}: expected 17 images (got 16)`);
      const short = writeText(dir, 'sixteen-short', idx(2051, [16, 28, 28], new Array(15 * 784).fill(0)));
      await expect(readIdxImagesAt(short, 16, { from, to, out })).rejects.toThrow(`${short}: truncated IDX file: expected 12560 bytes (got 11776)`);
      await expect(readIdxImagesAt(`${dir}/nope`, 16, { from, to, out })).rejects.toThrow(`${dir}/nope: file not found`);
      const tiny = writeText(dir, 'tiny-images', Buffer.from([0, 0]));
      await expect(readIdxImagesAt(tiny, 16, { from, to, out })).rejects.toThrow(`${tiny}: not an IDX file: shorter than its 16-byte header (got 2)`);
    }
  });

  it('loads the 70,000 bundled MNIST images', async () => {
    const all = await loadMnist();
    expect(all.count).toBe(70_000);
    expect(all.images.length).toBe(70_000 * 784);
    expect(all.labels.length).toBe(70_000);
    expect(Math.max(...all.labels)).toBe(9);
  });

  it('honours MNIST_DIR and names the missing file', async () => {
    const saved = process.env['MNIST_DIR'];
    process.env['MNIST_DIR'] = dir;
    try {
      expect(mnistDir()).toBe(dir);
      await expect(loadMnist()).rejects.toThrow(UserError);
      await expect(loadMnist()).rejects.toThrow(/file not found/);
      await expect(loadMnist()).rejects.toThrow(new RegExp(MNIST_FILES.trainImages + '|' + MNIST_FILES.trainLabels + '|t10k'));
    } finally {
      if (saved === undefined) delete process.env['MNIST_DIR'];
      else process.env['MNIST_DIR'] = saved;
    }
  });
});
