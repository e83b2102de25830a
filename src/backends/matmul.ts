// Matrix product arranged for the backend's fast kernel. On wasm only a plain (untransposed) rank-2
// product reaches XNNPACK (≈28 GFLOP/s on one core); with a transpose flag it falls back to a naive loop
// (≈1.5 GFLOP/s), so on wasm rank-2 operands are transposed explicitly. (Batched products, attention's, go
// through src/backends/host/batchMatMul.ts on wasm: one rank-2 product per slice, each slice copied once.)
// composedMatMul is the BertImdbMatMul kernel of the backends without a kernel of their own (src/models/ops.ts
// registers it for cpu, tensorflow and — with explicit transposes — wasm).
import { matMulWith } from "./gradients";
import { tf } from "./tf";

/** matMul(a, b, transposeA, transposeB), in the fastest form for the backend. */
export function matMulFast(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return matMulWith(tf, a, b, transposeA, transposeB);
}

/**
 * op(a)·op(b) (+ bias, in one fused product) through tfjs's own matMul kernels: with transpose flags, or, with
 * `explicitTranspose` (wasm), rank-2 operands transposed first so that the product is a plain one.
 */
export function composedMatMul(explicitTranspose: boolean) {
  return (a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false, bias?: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      let [x, y, tA, tB] = [a, b, transposeA, transposeB];
      if (explicitTranspose && (tA || tB) && x.rank === 2 && y.rank === 2) {
        [x, y] = [tA ? tf.transpose(x) : x, tB ? tf.transpose(y) : y];
        [tA, tB] = [false, false];
      }
      return bias ? tf.fused.matMul({ a: x, b: y, transposeA: tA, transposeB: tB, bias }) : tf.matMul(x, y, tA, tB);
    });
}
