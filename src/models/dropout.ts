// Dropout masks from a counter-based hash: element i of a mask seeded with `seed` is kept when
// mix(seed, i) ≥ rate·2³², so every element is computed independently of the others. That lets a GPU build a
// mask in one dispatch (src/backends/webgpu/kernels/dropoutMask.ts registers the same function as a WGSL kernel, bit for
// bit) instead of generating ~94 M numbers per bert-base step in JavaScript and uploading them (2.8 s of a
// 3.5 s step on the GPU host, measured); cpu and wasm run the JavaScript below as their mask kernel, which fills
// the tensor where the backend keeps it (src/models/ops.ts registers it). The same seed gives the same
// mask on every backend, so training stays reproducible and resumable across backends.
import { tf } from "../backends/tf";

/** Kernel name under which a backend may provide the mask generator (attrs: shape, threshold, scale, seed). */
export const DROPOUT_MASK_KERNEL = "BertImdbDropoutMask";

/** PCG output hash of a 32-bit word (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020). */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/**
 * The 32-bit value deciding element `index` of the mask seeded with `seed`. The index is offset by a hash of
 * the seed and the result mixed with the seed again, so two seeds never give shifted copies of one mask.
 */
export function dropoutHash(seed: number, index: number): number {
  return pcgHash((pcgHash((index + pcgHash(seed)) >>> 0) ^ seed) >>> 0);
}

/** Elements whose hash is below this are dropped: floor(rate · 2³²), for 0 ≤ rate < 1. */
export function dropThreshold(rate: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  return Math.min(0xffffffff, Math.floor(rate * 4294967296));
}

/** The mask's values in JavaScript: 0 where dropped, else 1/(1 − rate) as float32. */
export function dropoutMaskValues(n: number, rate: number, seed: number): Float32Array {
  return fillDropoutMask(n, dropThreshold(rate), Math.fround(1 / (1 - rate)), seed);
}

/** The mask from its integer threshold and kept value (what the kernels receive as attributes). */
export function fillDropoutMask(n: number, threshold: number, keep: number, seed: number): Float32Array {
  return fillDropoutMaskInto(new Float32Array(n), threshold, keep, seed);
}

/** fillDropoutMask into `out`, whose length is the mask's size (the host backends' mask kernel fills its output). */
export function fillDropoutMaskInto(out: Float32Array, threshold: number, keep: number, seed: number): Float32Array {
  const s = seed >>> 0;
  const offset = pcgHash(s);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    // dropoutHash(s, i), inlined: this loop runs tens of millions of times per step on cpu/wasm.
    let st = (Math.imul((i + offset) >>> 0, 747796405) + 2891336453) >>> 0;
    let w = Math.imul((st >>> ((st >>> 28) + 4)) ^ st, 277803737) >>> 0;
    const h1 = ((w >>> 22) ^ w) ^ s;
    st = (Math.imul(h1 >>> 0, 747796405) + 2891336453) >>> 0;
    w = Math.imul((st >>> ((st >>> 28) + 4)) ^ st, 277803737) >>> 0;
    out[i] = (((w >>> 22) ^ w) >>> 0) >= threshold ? keep : 0;
  }
  return out;
}

/**
 * Inverted-dropout multiplier of `shape`: 0 with probability `rate`, else 1/(1 − rate) (as torch's dropout).
 * Built on the device by the backend's DROPOUT_MASK_KERNEL when it has one, else in JavaScript; both give
 * the same values for the same seed.
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const attrs = { shape: shape.slice(), threshold: dropThreshold(rate), scale: Math.fround(1 / (1 - rate)), seed: seed >>> 0 };
  if (n > 0 && tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(fillDropoutMask(n, attrs.threshold, attrs.scale, attrs.seed), shape, "float32");
}
