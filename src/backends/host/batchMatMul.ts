// Batched products on wasm as one rank-2 product per slice. tfjs-backend-wasm 4.22 sends a batched matMul, and a
// rank-2 one with a transpose flag, to a plain loop (≈1.5 GFLOP/s here); only an untransposed rank-2 product
// reaches XNNPACK (≈25 GFLOP/s). Slicing through tf.slice/unstack would copy the whole input once per slice (the
// wasm Slice kernel reads it with readSync), so the input is read once and each slice copied into a rank-2
// tensor of its own. Measured on the attention products of the quick
// model ([32,128,128]·[32,128,64] and the like, 2 cores): 3.3–6.7× faster than tf.matMul on the batch.
import { tf } from "../tf";
import { hostValues } from "./values";

/** The slices of a [n, r, c] tensor's values as rank-2 tensors [r, c] (each a copy of its rows). */
function slices(values: Float32Array, [n, r, c]: number[]): tf.Tensor2D[] {
  const size = r * c;
  return Array.from({ length: n }, (_, i) => tf.tensor2d(values.subarray(i * size, (i + 1) * size), [r, c], "float32"));
}

/**
 * op(a)·op(b) for rank-3 a and b with the same leading dimension, one untransposed rank-2 product per slice
 * (a transposed operand is first transposed as a whole: tfjs-wasm's rank-3 Transpose is native and fast).
 */
export function batchMatMulSlices(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`batchMatMulSlices takes rank-3 operands with one batch size, got [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => {
    const x = transposeA ? tf.transpose(a as tf.Tensor, [0, 2, 1]) : (a as tf.Tensor);
    const y = transposeB ? tf.transpose(b as tf.Tensor, [0, 2, 1]) : (b as tf.Tensor);
    const xs = slices(hostValues(backend, x), x.shape);
    const ys = slices(hostValues(backend, y), y.shape);
    const products = xs.map((s, i) => tf.matMul(s, ys[i]));
    const [m, n] = products[0].shape;
    return tf.reshape(tf.concat(products, 0), [a.shape[0], m, n]);
  });
}
