// Batched products on wasm as one rank-2 product per slice. tfjs-backend-wasm 4.22 sends a batched matMul, and a
// rank-2 one with a transpose flag, to a plain loop (≈1.5 GFLOP/s here); only an untransposed rank-2 product
// reaches XNNPACK (≈25 GFLOP/s). Slicing through tf.slice/unstack would copy the whole input once per slice (the
// wasm Slice kernel reads it with readSync), so the input is read once and each slice is copied (transposed,
// where a flag asks for it) into a rank-2 tensor of its own. Measured on the attention products of the quick
// model ([32,128,128]·[32,128,64] and the like, 2 cores): 3.3–6.7× faster than tf.matMul on the batch.
import { tf } from "../tf";
import { hostValues } from "./values";

/** The slices of a [n, r, c] tensor's values as rank-2 tensors, each [r, c], or [c, r] when transposed. */
function slices(values: Float32Array, [n, r, c]: number[], transpose: boolean): tf.Tensor2D[] {
  const size = r * c;
  const out: tf.Tensor2D[] = [];
  for (let i = 0; i < n; i++) {
    const src = values.subarray(i * size, (i + 1) * size);
    if (!transpose) {
      out.push(tf.tensor2d(src, [r, c], "float32"));
      continue;
    }
    const t = new Float32Array(size);
    for (let a = 0; a < r; a++) for (let b = 0; b < c; b++) t[b * r + a] = src[a * c + b];
    out.push(tf.tensor2d(t, [c, r], "float32"));
  }
  return out;
}

/** op(a)·op(b) for rank-3 a and b with the same leading dimension, one untransposed rank-2 product per slice. */
export function batchMatMulSlices(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`batchMatMulSlices takes rank-3 operands with one batch size, got [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => {
    const as = slices(hostValues(backend, a), a.shape, transposeA);
    const bs = slices(hostValues(backend, b), b.shape, transposeB);
    const products = as.map((x, i) => tf.matMul(x, bs[i]));
    const [m, n] = products[0].shape;
    return tf.reshape(tf.concat(products, 0), [a.shape[0], m, n]);
  });
}
