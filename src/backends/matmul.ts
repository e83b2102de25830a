// Matrix product arranged for the backend's fast kernel. On wasm only a plain (untransposed) rank-2
// product reaches XNNPACK (≈28 GFLOP/s on one core); with a transpose flag it falls back to a naive loop
// (≈1.5 GFLOP/s), so on wasm rank-2 operands are transposed explicitly. (Batched products stay batched: a loop
// of rank-2 products was measured slower inside training steps, per-op costs outweighing the faster kernel.)
import { matMulWith } from "./gradients";
import { tf } from "./tf";

/** matMul(a, b, transposeA, transposeB), in the fastest form for the backend. */
export function matMulFast(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return matMulWith(tf, a, b, transposeA, transposeB);
}
