/**
 * The dropout mask, one definition for every backend: element i of a tensor is kept when a
 * counter-based hash of (seed, i) falls below the keep threshold. Counter-based (no stream state), so
 * a GPU thread computes its own element's draw, a CPU loop the same draws in order, and the gradient
 * pass regenerates the forward's mask from the seed alone.
 *
 * hash(seed, i) = mix(mix(i + k1) ^ k2), k1 = mix(seed), k2 = mix(seed + 0x9e3779b9), all uint32 with
 * wrapping arithmetic, where mix is Wellons' "lowbias32" integer finalizer (two xorshift-multiply
 * rounds). Kept when (hash >>> 8) < keepThreshold(rate) = round((1 - rate) * 2^24): 24 bits of the draw
 * against the keep probability, so rate 0 keeps everything and the threshold fits a u32 on the GPU.
 * DROPOUT_MASK_WGSL is the same function in WGSL; test/train/webgpu.test.ts checks that webgpu drops
 * exactly the elements cpu drops.
 */

function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function keepThreshold(rate: number): number {
  return Math.round((1 - rate) * 16777216);
}

/** The two keys of a seed (uint32). */
export function maskKeys(seed: number): [number, number] {
  return [mix(seed >>> 0), mix((seed + 0x9e3779b9) >>> 0)];
}

/** True when element i is kept, for keys from maskKeys(seed) and threshold from keepThreshold(rate). */
export function kept(i: number, k1: number, k2: number, threshold: number): boolean {
  return mix(mix((i + k1) >>> 0) ^ k2) >>> 8 < threshold;
}

/** out[i] = u[i] / (1 - rate) where element i is kept, else 0, for i from `start` on. */
export function applyDropoutMask(u: Float32Array, out: Float32Array, rate: number, seed: number, start = 0): void {
  const scale = 1 / (1 - rate);
  const threshold = keepThreshold(rate);
  const [k1, k2] = maskKeys(seed);
  for (let i = start; i < u.length; i++) out[i] = kept(i, k1, k2, threshold) ? u[i]! * scale : 0;
}

/** The same mask in WGSL: dropoutKept(i, k1, k2, threshold), keys and threshold passed as uniforms. */
export const DROPOUT_MASK_WGSL = /* wgsl */ `
fn dropoutMix(v : u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}
fn dropoutKept(i : u32, k1 : u32, k2 : u32, threshold : u32) -> bool {
  return (dropoutMix(dropoutMix(i + k1) ^ k2) >> 8u) < threshold;
}
`;
