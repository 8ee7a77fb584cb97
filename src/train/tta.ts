/**
 * Test-time augmentation: a few small FIXED affine views of each image (the clean image, one-pixel
 * diagonal shifts, +-8 degree rotations). A model's TTA prediction is the mean of its softmax over the
 * views. Plain JS, deterministic, backend-independent (like augment.ts, but without randomness).
 */
import { IMAGE_SIDE, IMAGE_SIZE } from '../data/types.js';

/** One fixed view: rotate by `degrees` about the center, then shift by (dx, dy) pixels. */
export interface TtaView {
  name: string;
  degrees: number;
  dx: number;
  dy: number;
}

export const CLEAN_VIEW: TtaView = { name: 'clean', degrees: 0, dx: 0, dy: 0 };

/** The views `--tta` averages over; the clean image first. */
export const TTA_VIEWS: readonly TtaView[] = [
  CLEAN_VIEW,
  { name: 'shift +1,+1', degrees: 0, dx: 1, dy: 1 },
  { name: 'shift -1,-1', degrees: 0, dx: -1, dy: -1 },
  { name: 'rotate +8', degrees: 8, dx: 0, dy: 0 },
  { name: 'rotate -8', degrees: -8, dx: 0, dy: 0 },
];

/**
 * Writes images `first .. first + n - 1` of `images` (uint8, 784 each), seen through `view`, into
 * `out` as floats in 0..1. Bilinear sampling, zeros outside the image.
 */
export function viewImages(images: Uint8Array, first: number, n: number, view: TtaView, out: Float32Array): void {
  const identity = view.degrees === 0 && view.dx === 0 && view.dy === 0;
  const c = (IMAGE_SIDE - 1) / 2;
  const theta = (view.degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  for (let k = 0; k < n; k++) {
    const src = (first + k) * IMAGE_SIZE;
    const dst = k * IMAGE_SIZE;
    if (identity) {
      for (let p = 0; p < IMAGE_SIZE; p++) out[dst + p] = images[src + p]! / 255;
      continue;
    }
    // Output (x, y) samples the input at R^-1 · (x - c - dx, y - c - dy) + c (the inverse map).
    for (let y = 0; y < IMAGE_SIDE; y++) {
      const ry = y - c - view.dy;
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const rx = x - c - view.dx;
        const sx = cos * rx + sin * ry + c;
        const sy = -sin * rx + cos * ry + c;
        out[dst + y * IMAGE_SIDE + x] = bilinear(images, src, sx, sy) / 255;
      }
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
