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
  const map = identity ? null : samplingMap(view);
  for (let k = 0; k < n; k++) {
    const src = (first + k) * IMAGE_SIZE;
    const dst = k * IMAGE_SIZE;
    if (!map) {
      for (let p = 0; p < IMAGE_SIZE; p++) out[dst + p] = images[src + p]! / 255;
      continue;
    }
    const { index, weight } = map;
    for (let p = 0, t = 0; p < IMAGE_SIZE; p++, t += 4) {
      out[dst + p] =
        weight[t]! * images[src + index[t]!]! +
        weight[t + 1]! * images[src + index[t + 1]!]! +
        weight[t + 2]! * images[src + index[t + 2]!]! +
        weight[t + 3]! * images[src + index[t + 3]!]!;
    }
  }
}

interface SamplingMap {
  /** Four source pixels per output pixel (0 with weight 0 where outside the image). */
  index: Int32Array;
  /** Bilinear weights, already divided by 255. */
  weight: Float32Array;
}

const maps = new Map<string, SamplingMap>();

/** The bilinear taps of `view` for every output pixel, computed once per view. */
function samplingMap(view: TtaView): SamplingMap {
  const key = `${view.degrees},${view.dx},${view.dy}`;
  const cachedMap = maps.get(key);
  if (cachedMap) return cachedMap;
  const index = new Int32Array(IMAGE_SIZE * 4);
  const weight = new Float32Array(IMAGE_SIZE * 4);
  const c = (IMAGE_SIDE - 1) / 2;
  const theta = (view.degrees * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // Output (x, y) samples the input at R^-1 · (x - c - dx, y - c - dy) + c (the inverse map).
  for (let y = 0; y < IMAGE_SIDE; y++) {
    const ry = y - c - view.dy;
    for (let x = 0; x < IMAGE_SIDE; x++) {
      const rx = x - c - view.dx;
      const sx = cos * rx + sin * ry + c;
      const sy = -sin * rx + cos * ry + c;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const taps: Array<[number, number, number]> = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      const t = (y * IMAGE_SIDE + x) * 4;
      taps.forEach(([tx, ty, w], k) => {
        const inside = tx >= 0 && ty >= 0 && tx < IMAGE_SIDE && ty < IMAGE_SIDE;
        index[t + k] = inside ? ty * IMAGE_SIDE + tx : 0;
        weight[t + k] = inside ? w / 255 : 0;
      });
    }
  }
  const map = { index, weight };
  maps.set(key, map);
  return map;
}
