/** Byte buffers backed by SharedArrayBuffer, so pool workers receive them without a copy. */

/** A zero-filled Uint8Array of `length` bytes on a fresh SharedArrayBuffer. */
export function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

/** A copy of `src` on a fresh SharedArrayBuffer. */
export function toShared(src: Uint8Array): Uint8Array {
  const out = sharedBytes(src.length);
  out.set(src);
  return out;
}

/** True when `a` views a SharedArrayBuffer. */
export function isShared(a: Uint8Array): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}
