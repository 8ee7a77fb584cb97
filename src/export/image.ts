/**
 * Turning a picture of a digit into an MNIST image, the way MNIST was made: greyscale, white digit on
 * black (inverted when the background is light), the digit's bounding box fitted into 20x20 keeping its
 * aspect ratio (anti-aliased), then placed in the 28x28 field so that its center of mass is at the
 * center (MNIST's mean center of mass is (14.0, 14.0) in pixel indices). TF.js-free; PNGs via pngjs.
 */
import { PNG } from 'pngjs';
import { UserError } from '../core/errors.js';
import { IMAGE_SIDE, IMAGE_SIZE } from '../data/types.js';

/** A greyscale picture, row-major, 0..255 (any size). */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Float32Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const BOX = 20;
/** Center of mass of an MNIST digit, in pixel indices. */
const CENTER = 14;
/** Ink below this share of the strongest stroke counts as background (paper grain, JPEG-ish noise). */
const INK_FLOOR = 0.1;
/** Less contrast than this between background and strokes (0..255) is a blank picture. */
const MIN_CONTRAST = 32;

/** Decodes a PNG (grey, RGB, RGBA, palette; 8 or 16 bits) to greyscale, transparency over white. */
export function decodePng(bytes: Buffer, file: string): GreyImage {
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new UserError(`${file}: not a PNG image (no PNG signature)`);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new UserError(`${file}: not a PNG image (${(err as Error).message.split('\n')[0]})`);
  }
  const { width, height, data } = png;
  if (!(width > 0 && height > 0)) throw new UserError(`${file}: empty PNG image (${width}x${height})`);
  const pixels = new Float32Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const r = data[4 * i]!;
    const g = data[4 * i + 1]!;
    const b = data[4 * i + 2]!;
    const a = data[4 * i + 3]! / 255;
    pixels[i] = a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a) * 255;
  }
  return { width, height, pixels };
}

/** MNIST-style 28x28 image (784 bytes) of the digit in `image`; a blank picture is a UserError. */
export function toMnist(image: GreyImage, file: string): Uint8Array {
  const { width, height } = image;
  // Background: the median of the border pixels. A light one means a dark digit: invert.
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(image.pixels[x]!, image.pixels[(height - 1) * width + x]!);
  for (let y = 0; y < height; y++) border.push(image.pixels[y * width]!, image.pixels[y * width + width - 1]!);
  border.sort((a, b) => a - b);
  const median = border[border.length >> 1]!;
  const invert = median > 127;
  const ink = new Float32Array(width * height);
  let strongest = 0;
  for (let i = 0; i < ink.length; i++) {
    ink[i] = invert ? 255 - image.pixels[i]! : image.pixels[i]!;
    if (ink[i]! > strongest) strongest = ink[i]!;
  }
  const background = invert ? 255 - median : median;
  if (strongest - background < MIN_CONTRAST) {
    throw new UserError(`${file}: no digit found (the image is blank: contrast ${Math.round(strongest - background)} of 255)`);
  }
  // Stretch background..strongest to 0..255 and find the digit's bounding box.
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = (ink[i]! - background) / (strongest - background);
      v = v < INK_FLOOR ? 0 : Math.min(v, 1) * 255;
      ink[i] = v;
      if (v > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const tw = Math.max(1, Math.round(w * scale));
  const th = Math.max(1, Math.round(h * scale));
  const box = resample(ink, width, x0, y0, w, h, tw, th);

  // Center of mass of the box, then paste it so that it lands on (CENTER, CENTER).
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = box[y * tw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const ox = Math.round(CENTER - mx / mass);
  const oy = Math.round(CENTER - my / mass);
  const out = new Uint8Array(IMAGE_SIZE);
  for (let y = 0; y < th; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= IMAGE_SIDE) continue;
    for (let x = 0; x < tw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= IMAGE_SIDE) continue;
      out[ty * IMAGE_SIDE + tx] = Math.round(Math.min(255, Math.max(0, box[y * tw + x]!)));
    }
  }
  return out;
}

/** Resizes the w x h region at (x0, y0) of `src` (row stride `stride`) to tw x th, separably. */
function resample(src: Float32Array, stride: number, x0: number, y0: number, w: number, h: number, tw: number, th: number): Float32Array {
  const wx = weights(w, tw);
  const wy = weights(h, th);
  const rows = new Float32Array(h * tw);
  for (let y = 0; y < h; y++) {
    const base = (y0 + y) * stride + x0;
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (const [i, k] of wx[x]!) s += k * src[base + i]!;
      rows[y * tw + x] = s;
    }
  }
  const out = new Float32Array(th * tw);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (const [i, k] of wy[y]!) s += k * rows[i * tw + x]!;
      out[y * tw + x] = s;
    }
  }
  return out;
}

/**
 * 1-D resampling weights from n source to m target pixels: area averaging when shrinking (the
 * anti-aliasing MNIST's normalization used), linear interpolation when enlarging.
 */
function weights(n: number, m: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  const ratio = n / m;
  for (let j = 0; j < m; j++) {
    const taps: Array<[number, number]> = [];
    if (ratio >= 1) {
      const lo = j * ratio;
      const hi = (j + 1) * ratio;
      for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
        const cover = Math.min(hi, i + 1) - Math.max(lo, i);
        if (cover > 0) taps.push([i, cover / ratio]);
      }
    } else {
      const s = Math.min(Math.max((j + 0.5) * ratio - 0.5, 0), n - 1);
      const i = Math.floor(s);
      const f = s - i;
      taps.push([i, 1 - f]);
      if (f > 0 && i + 1 < n) taps.push([i + 1, f]);
    }
    out.push(taps);
  }
  return out;
}
