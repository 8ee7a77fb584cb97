/**
 * Per-batch random affine augmentation (rotation, zoom, shift; bilinear sampling, zeros outside) plus
 * Gaussian pixel noise, as the seed notebook's ImageDataGenerator(rotation_range=10, zoom_range=0.1,
 * width/height_shift_range=0.1) and a noise std searched by the sweep. Plain JS on the CPU: it costs
 * microseconds per image (see `npm run bench`), so it stays backend-independent. Seeded.
 */
import { IMAGE_SIDE, IMAGE_SIZE } from '../data/types.js';
import type { Rng } from '../core/random.js';

export interface AugmentOptions {
  rotation: number; // max degrees, either way
  zoom: number; // max fraction, either way, per axis
  shift: number; // max fraction of the side, either way
  noise: number; // Gaussian std on 0..1 pixels
}

export const NO_AUGMENT: AugmentOptions = { rotation: 0, zoom: 0, shift: 0, noise: 0 };

/**
 * Writes `indices.length` images from `images` (uint8, 784 each) into `out` (float32, 0..1 + noise),
 * transformed when `opts` asks for it.
 */
export function augmentBatch(
  images: Uint8Array,
  indices: ArrayLike<number>,
  out: Float32Array,
  opts: AugmentOptions,
  rng: Rng,
): void {
  const affine = opts.rotation > 0 || opts.zoom > 0 || opts.shift > 0;
  const c = (IMAGE_SIDE - 1) / 2;
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * IMAGE_SIZE;
    const dst = k * IMAGE_SIZE;
    if (!affine) {
      for (let p = 0; p < IMAGE_SIZE; p++) out[dst + p] = images[src + p]! / 255;
    } else {
      const theta = ((rng.next() * 2 - 1) * opts.rotation * Math.PI) / 180;
      const zx = 1 + (rng.next() * 2 - 1) * opts.zoom;
      const zy = 1 + (rng.next() * 2 - 1) * opts.zoom;
      const tx = (rng.next() * 2 - 1) * opts.shift * IMAGE_SIDE;
      const ty = (rng.next() * 2 - 1) * opts.shift * IMAGE_SIDE;
      // Output pixel (x, y) samples the input at A·(x - c, y - c) + c + t (the inverse map).
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const a00 = cos * zx;
      const a01 = -sin * zy;
      const a10 = sin * zx;
      const a11 = cos * zy;
      for (let y = 0; y < IMAGE_SIDE; y++) {
        const dy = y - c;
        for (let x = 0; x < IMAGE_SIDE; x++) {
          const dx = x - c;
          const sx = a00 * dx + a01 * dy + c + tx;
          const sy = a10 * dx + a11 * dy + c + ty;
          out[dst + y * IMAGE_SIDE + x] = bilinear(images, src, sx, sy) / 255;
        }
      }
    }
    if (opts.noise > 0) {
      for (let p = 0; p < IMAGE_SIZE; p++) out[dst + p] += opts.noise * rng.normal();
    }
  }
}

function bilinear(images: Uint8Array, base: number, sx: number, sy: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 >= IMAGE_SIDE || y0 >= IMAGE_SIDE) return 0;
  const fx = sx - x0;
  const fy = sy - y0;
  const at = (x: number, y: number) =>
    x < 0 || y < 0 || x >= IMAGE_SIDE || y >= IMAGE_SIDE ? 0 : images[base + y * IMAGE_SIDE + x]!;
  return (
    (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1))
  );
}
